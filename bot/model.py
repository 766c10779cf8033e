"""The answer model: learned weights for choosing sentences and for refusing.

Two logistic regressions over standardised features (`features.py`), fitted by
`benchmarks/fit_answer_model.py` on the development sets and saved, with the
measurements that chose them, in `data/answer_model.json`:

- the sentence scorer: how likely a candidate sentence holds the answer;
- the refusal rule: how likely the documents answer the question at all, with the
  threshold that balanced wrong answers against wrong refusals on the fitting split's
  out-of-fold probabilities (cross-validation grouped by document).

One variant is fitted for the default embedding model, one without the features that
depend on an embedding's cosine scale (for any other model, and the test embedder).

Nothing here is tuned by hand; change the data, rerun the script.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.embedding import DEFAULT_MODEL

from .features import QUESTION_FEATURES, SENTENCE_FEATURES

# Features that come from the embedding model's cosine scale.
DENSE_FEATURES = ("dense", "dense_gap", "prev_dense", "next_dense", "passage_dense_gap",
                  "dense_top", "sentence_dense_top", "dense_z_top", "sentence_z_top")  # fmt: skip

MODEL_FILE = Path(__file__).with_name("data") / "answer_model.json"


@dataclass(frozen=True)
class Linear:
    """A fitted linear model: logit = ((x - mean) / scale) @ coef + intercept.

    Features in `ignored` (those of the embedding, for a model whose scale is unknown, and
    those the fit measured to do harm) were held at 0 when fitting and are here too."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    ignored: tuple[str, ...] = ()

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = self.prepare(x)
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def prepare(self, x: np.ndarray) -> np.ndarray:
        x = np.array(x, np.float64).reshape(-1, len(self.features))
        for name in self.ignored:
            x[:, self.features.index(name)] = 0.0
        return x

    @classmethod
    def from_dict(cls, data: dict, expected: tuple[str, ...]) -> Linear:
        if tuple(data["features"]) != expected:
            raise ValueError(
                f"answer model was fitted on features {data['features']}, the code has "
                f"{list(expected)}: rerun benchmarks/fit_answer_model.py"
            )
        return cls(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]),
                   np.array(data["coef"]), float(data["intercept"]),
                   tuple(data.get("ignored", ())))  # fmt: skip

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(self.intercept, 6), "ignored": list(self.ignored)}  # fmt: skip


@dataclass(frozen=True)
class AnswerModel:
    sentence: Linear
    refusal: Linear
    threshold: float  # answer when P(answerable) >= threshold
    extra_margin: float  # a further sentence is quoted when its logit is this close to the best

    def answerable(self, x: np.ndarray) -> float:
        return float(1 / (1 + np.exp(-self.refusal.logits(x)[0])))

    def to_dict(self) -> dict:
        return {"sentence": self.sentence.to_dict(), "refusal": self.refusal.to_dict(),
                "threshold": self.threshold, "extra_margin": self.extra_margin}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModel:
        return cls(
            Linear.from_dict(data["sentence"], SENTENCE_FEATURES),
            Linear.from_dict(data["refusal"], QUESTION_FEATURES),
            float(data["threshold"]),
            float(data["extra_margin"]),
        )


LEXICAL = "lexical"  # the variant for any other embedding model: no dense features


@lru_cache(maxsize=8)
def load_model(embedding_model: str = DEFAULT_MODEL, path: Path = MODEL_FILE) -> AnswerModel:
    """The fitted answer model for indexes built with `embedding_model`.

    The default embedding model has its own fit; for any other the cosine scale is
    unknown, so the variant fitted without the dense features is used."""
    variants = json.loads(Path(path).read_text("utf-8"))["variants"]
    return AnswerModel.from_dict(variants.get(embedding_model) or variants[LEXICAL])
