"""The development metrics of ../shared/eval/README.md, computed from answers.

cite@1, cite, answer and answered over in-scope questions; refused over out-of-scope
ones; each also by question kind. Phrases compare case-insensitively, whitespace folded.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
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
        return {"refused": result["status"] != "answered"}  # a refusal, or small talk
    phrases = [_fold(p) for p in _phrases(item)]
    texts = [_fold(c["text"]) for c in result["citations"]]
    # Several phrases (a two-part question, often about two documents): each must be in
    # some citation, and for cite@1 the first phrase in the first (dev2/README.md).
    cited = all(any(p in t for t in texts) for p in phrases)
    return {
        "cite@1": bool(texts) and phrases[0] in texts[0] and cited,
        "cite": cited,
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


# Held-out split: a question whose id hashes below this share (of 100) is never used for
# fitting (benchmarks/fit_answer_model.py) and is reported on its own.
HELDOUT_PERCENT = 30


def is_heldout(question_id: str) -> bool:
    """Whether a question belongs to the held-out part of its set (stable, by id)."""
    digest = hashlib.sha256(str(question_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT


@dataclass(frozen=True)
class EvalSet:
    """A question file and the folder of documents its questions are about."""

    name: str
    questions: Path
    docs: Path | None  # None: use the index given on the command line


def parse_set(spec: str) -> EvalSet:
    """`QUESTIONS.jsonl[:DOCS]`; without DOCS, a `docs/` folder beside the file if any."""
    path, _, docs = spec.partition(":")
    questions = Path(path)
    folder = Path(docs) if docs else questions.parent / "docs"
    name = questions.parent.name if questions.stem == "questions" else questions.stem
    return EvalSet(name, questions, folder if docs or folder.is_dir() else None)


def run_questions(ask, items: list[dict]) -> tuple[list[dict], list[float]]:
    """Each question asked with its `history`; the answers as dicts and seconds each."""
    results, seconds = [], []
    for item in items:
        started = time.perf_counter()
        results.append(ask(item["question"], item.get("history") or ()))
        seconds.append(time.perf_counter() - started)
    return results, seconds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


METRICS = ("cite@1", "cite", "answer", "answered", "refused")


def format_table(rows: list[tuple[str, int, dict[str, float], list[float]]]) -> str:
    """One line per set: its metrics and p50/p95 seconds, then the means of the metrics."""
    head = f"{'sett':28s} {'n':>4s} " + " ".join(f"{m:>8s}" for m in METRICS)
    lines = [head + f" {'p50 s':>7s} {'p95 s':>7s}"]
    for name, n, metrics, seconds in rows:
        cells = " ".join(f"{metrics[m]:8.3f}" if m in metrics else f"{'-':>8s}" for m in METRICS)
        timing = f" {percentile(seconds, 0.5):7.3f} {percentile(seconds, 0.95):7.3f}"
        lines.append(f"{name:28s} {n:4d} {cells}{timing if seconds else ''}")
    means = []
    for m in METRICS:
        values = [metrics[m] for _, _, metrics, _ in rows if m in metrics]
        means.append(f"{sum(values) / len(values):8.3f}" if values else f"{'-':>8s}")
    lines.append(f"{'snitt':28s} {'':4s} " + " ".join(means))
    return "\n".join(lines)
