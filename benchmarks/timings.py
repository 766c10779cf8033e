"""Measure the numbers the README and closing notes quote: model build, ingest, answers.

    python benchmarks/timings.py [--questions PATH]

Everything runs in a temporary folder with a fresh model cache: model build seconds,
cold ingest of corpus/, no-op ingest (must not load the model), `bot ask` batch mode
(median and 90th percentile seconds per question, one process, model loaded once) and
peak memory. Timings depend on the machine; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict, stdin: str | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, input=stdin, text=True,
                         capture_output=True, check=True)  # fmt: skip
    return time.perf_counter() - started, out.stdout


def main() -> None:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
    )
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.questions.open(encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_MODEL_CACHE": f"{tmp}/cache"}
        build, _ = run(
            [
                "-c",
                "from pathlib import Path; from ingest.embedding import "
                "ensure_default_model as e; e(Path('" + tmp + "/cache'))",
            ],
            env,
        )
        cold, _ = run(["-m", "ingest", "corpus", "--index", f"{tmp}/index", "--quiet"], env)
        noop, out = run(["-m", "ingest", "corpus", "--index", f"{tmp}/index", "--quiet"], env)
        assert "uendret" in out
        # per-question timing from the JSON lines' arrival in one batch process
        proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--index", f"{tmp}/index",
                                 "--json"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        proc.stdin.write(questions[0] + "\n")  # warm-up: loads the model
        proc.stdin.flush()
        proc.stdout.readline()
        seconds = []
        for question in questions:
            started = time.perf_counter()
            proc.stdin.write(question + "\n")
            proc.stdin.flush()
            proc.stdout.readline()
            seconds.append(time.perf_counter() - started)
        proc.stdin.close()
        proc.wait()
    seconds.sort()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "model_build_s": round(build, 1),
                "ingest_cold_s": round(cold, 1),
                "ingest_noop_s": round(noop, 2),
                "ask_median_s": round(statistics.median(seconds), 3),
                "ask_p90_s": round(seconds[int(len(seconds) * 0.9)], 3),
                "questions": len(seconds),
                "peak_child_rss_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
