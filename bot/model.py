"""The answer model: learned weights for choosing sentences and for refusing.

Two logistic regressions over standardised features (`features.py`), fitted by
`benchmarks/fit_answer_model.py` on the development sets and saved, with the
measurements that chose them, in `data/answer_model.json`:

- the sentence scorer: how likely a candidate sentence holds the answer;
- the refusal rule: how likely the documents answer the question at all, with the
  threshold that balanced wrong answers against wrong refusals on the fitting split.

Nothing here is tuned by hand; change the data, rerun the script.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import QUESTION_FEATURES, SENTENCE_FEATURES

MODEL_FILE = Path(__file__).with_name("data") / "answer_model.json"


@dataclass(frozen=True)
class Linear:
    """A fitted logistic regression: logit = ((x - mean) / scale) @ coef + intercept."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64).reshape(-1, len(self.features))
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    @classmethod
    def from_dict(cls, data: dict, expected: tuple[str, ...]) -> Linear:
        if tuple(data["features"]) != expected:
            raise ValueError(
                f"answer model was fitted on features {data['features']}, the code has "
                f"{list(expected)}: rerun benchmarks/fit_answer_model.py"
            )
        return cls(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]),
                   np.array(data["coef"]), float(data["intercept"]))  # fmt: skip

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(self.intercept, 6)}  # fmt: skip


@dataclass(frozen=True)
class AnswerModel:
    sentence: Linear
    refusal: Linear
    threshold: float  # answer when P(answerable) >= threshold
    extra_margin: float  # a further sentence is quoted when its logit is this close to the best

    def answerable(self, x: np.ndarray) -> float:
        return float(1 / (1 + np.exp(-self.refusal.logits(x)[0])))

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModel:
        return cls(
            Linear.from_dict(data["sentence"], SENTENCE_FEATURES),
            Linear.from_dict(data["refusal"], QUESTION_FEATURES),
            float(data["threshold"]),
            float(data["extra_margin"]),
        )


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> AnswerModel:
    """The fitted answer model shipped with the bot."""
    return AnswerModel.from_dict(json.loads(Path(path).read_text("utf-8")))
