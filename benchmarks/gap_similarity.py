"""Where `bot.gaps.SIMILARITY` comes from: the cosine of the default model's query vectors
for two wordings of one question, and for two different questions.

    .venv/bin/python benchmarks/gap_similarity.py

Same question: each pair below, a development question (shared/eval) reworded as an
asker might. Different questions: every pair of distinct development questions. Prints
both distributions and the share of each a threshold would put in one group.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
REWORDED = [
    ("Hvordan definerer KS innovasjon?", "Hva mener KS med innovasjon?"),
    ("Hva er Unikom?", "hva er unikom"),
    ("Hva er Unikom?", "Kan du forklare hva Unikom er?"),
    ("Hva er KSF Helse?", "Hva står KSF Helse for?"),
    ("Hvem leder Universitetskommunen TRD3.0?", "Hvem er leder for TRD3.0?"),
    ("Hvor mange kommuner er med i Unikom?", "Hvor mange kommuner deltar i Unikom-nettverket?"),
    ("Hva handlet konferansen Framtidskraft om?", "Hva var temaet på Framtidskraft?"),
    ("Når startet TRD3.0?", "Når ble Universitetskommunen TRD3.0 etablert?"),
    ("Hvordan søker jeg barnehageplass?", "Hvordan får jeg barnehageplass?"),
    ("Hvor kan jeg parkere ved rådhuset?", "Parkering ved rådhuset?"),
    ("Hvordan er prosjektlederne ansatt?", "Hvem ansetter prosjektlederne i TRD3.0?"),
    ("What is Unikom?", "Hva er Unikom?"),
]
THRESHOLDS = (0.85, 0.88, 0.9, 0.92, 0.93, 0.94)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    from ingest.config import settings_from_env
    from ingest.embedding import DEFAULT_MODEL, load_embedder

    embedder = load_embedder(DEFAULT_MODEL, settings_from_env().model_cache)
    dev = [json.loads(line)["question"] for line in DEV.read_text("utf-8").splitlines()]
    same = [_cosine(embedder, a, b) for a, b in REWORDED]
    vectors = embedder.embed_queries(dev)
    different = [float(vectors[i] @ vectors[j])
                 for i, j in itertools.combinations(range(len(dev)), 2)]  # fmt: skip
    for name, values in (("same question", same), ("different questions", different)):
        v = np.array(values)
        print(f"{name}: n={len(v)} min={v.min():.3f} median={np.median(v):.3f} "
              f"max={v.max():.3f}")  # fmt: skip
    for t in THRESHOLDS:
        print(f"threshold {t}: same grouped {np.mean(np.array(same) >= t):.0%}, "
              f"different grouped {np.mean(np.array(different) >= t):.1%}")  # fmt: skip
    for (a, b), s in sorted(zip(REWORDED, same, strict=True), key=lambda x: x[1]):
        print(f"  {s:.3f}  {a} | {b}")


def _cosine(embedder, a: str, b: str) -> float:
    va, vb = embedder.embed_queries([a, b])
    return float(va @ vb)


if __name__ == "__main__":
    main()
