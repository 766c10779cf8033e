"""The development metrics of ../shared/eval/README.md, computed from answers.

cite@1, cite, answer and answered over in-scope questions; refused over out-of-scope
ones; each also by question kind. Phrases compare case-insensitively, whitespace folded.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EvalResult:
    metrics: dict[str, float]
    by_kind: dict[str, dict[str, float]]
    misses: list[dict] = field(default_factory=list)


def load_questions(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def _phrases(item: dict) -> list[str]:
    value = item.get("must_contain")
    return [value] if isinstance(value, str) else list(value or [])


def judge(item: dict, result: dict) -> dict[str, bool]:
    """Which metrics this one question counts towards (True = hit)."""
    if item.get("doc") is None:
        return {"refused": result["status"] == "no_answer"}
    phrases = [_fold(p) for p in _phrases(item)]
    texts = [_fold(c["text"]) for c in result["citations"]]
    return {
        "cite@1": bool(texts) and all(p in texts[0] for p in phrases),
        "cite": any(all(p in t for p in phrases) for t in texts),
        "answer": all(p in _fold(result["answer"]) for p in phrases),
        "answered": result["status"] == "answered",
    }


def evaluate(items: list[dict], results: list[dict]) -> EvalResult:
    totals: dict[str, list[bool]] = defaultdict(list)
    kinds: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    misses = []
    for item, result in zip(items, results, strict=True):
        verdict = judge(item, result)
        for metric, hit in verdict.items():
            totals[metric].append(hit)
            kinds[item.get("kind", "?")][metric].append(hit)
        failed = [m for m, hit in verdict.items() if not hit]
        if failed:
            misses.append({"id": item.get("id"), "question": item["question"], "failed": failed,
                           "status": result["status"], "answer": result["answer"]})  # fmt: skip
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    order = ["cite@1", "cite", "answer", "answered", "refused"]
    metrics = {m: mean(totals[m]) for m in order if m in totals}
    by_kind = {k: {m: mean(v[m]) for m in order if m in v} for k, v in sorted(kinds.items())}
    return EvalResult(metrics, by_kind, misses)


def format_result(result: EvalResult, n: int) -> str:
    lines = [f"Spørsmål: {n}"]
    lines.append("  ".join(f"{m}={v:.3f}" for m, v in result.metrics.items()))
    lines.append("Etter type:")
    for kind, metrics in result.by_kind.items():
        lines.append(f"  {kind:20s} " + "  ".join(f"{m}={v:.2f}" for m, v in metrics.items()))
    if result.misses:
        lines.append(f"Bom ({len(result.misses)}):")
        for miss in result.misses:
            lines.append(f"  {miss['id']} [{', '.join(miss['failed'])}] {miss['question']}")
            lines.append(f"      -> {miss['status']}: {miss['answer'][:160]}")
    return "\n".join(lines)
