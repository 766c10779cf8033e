from bot.evidence import (
    DEFAULT_CALIBRATION,
    LEXICAL_CALIBRATION,
    Evidence,
    calibration_for,
)
from ingest.embedding import DEFAULT_MODEL


def test_the_default_model_has_its_calibrated_rule_and_others_the_lexical_one():
    assert calibration_for(DEFAULT_MODEL) == DEFAULT_CALIBRATION
    assert calibration_for("intfloat/multilingual-e5-base") == LEXICAL_CALIBRATION


def test_dense_and_lexical_evidence_combine_for_the_default_model():
    # Close in meaning and sharing most words: answered.
    assert Evidence(dense=0.86, coverage=0.45, agreement=True, content_words=3).answerable()
    # The city's name and an unknown word ("Hvem er ordfører i Trondheim?"): refused.
    assert not Evidence(dense=0.83, coverage=0.23, agreement=True, content_words=2).answerable()
    # Very close in meaning with no shared word (another language): answered.
    assert Evidence(dense=0.97, coverage=0.0, agreement=False, content_words=3).answerable()
    # Below the floor nothing is answered, however many words match.
    assert not Evidence(dense=0.70, coverage=1.0, agreement=True, content_words=3).answerable()
    # A question with no content words at all is never answered.
    assert not Evidence(dense=0.95, coverage=0.0, agreement=True, content_words=0).answerable()


def test_other_models_are_judged_by_the_lexical_evidence_alone():
    def lexical(dense, coverage):
        return Evidence(dense, coverage, True, 3, LEXICAL_CALIBRATION)

    assert lexical(dense=0.10, coverage=0.40).answerable()
    assert not lexical(dense=0.99, coverage=0.20).answerable()


def test_a_word_inside_a_norwegian_compound_counts_as_found():
    from bot.evidence import gather
    from bot.retrieve import Passage
    from ingest.chunking import Chunk

    chunk = Chunk("a#0", "a", "Avtalen", "", "", "", "nb", None, 0,
                  "Styringsgruppen møtes fire ganger i året.")  # fmt: skip
    passage = Passage(chunk, 0, 1.0, 0.9, 1.0, 1, 1)
    found = gather("Hvem er i gruppen?", [passage], lambda term: 1.0)
    missing = gather("Hvem er i komiteen?", [passage], lambda term: 1.0)
    assert found.coverage > 0.5 and missing.coverage == 0.0
