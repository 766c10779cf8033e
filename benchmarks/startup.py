"""Where start-up time goes: a no-op ingest, and the app from start to its first answer.

    .venv/bin/python benchmarks/startup.py [--repeats 3] [--json]

On the shipped corpus (ingested once into a temporary index with the default model):

1. no-op ingest: `python -m ingest corpus --index DIR` wall time, as a user runs it
   (a fresh process each time; nothing changed, so no model and no parser is loaded);
2. app start to first answer: `app.py` started, `POST /api/ask` retried until it answers;
   wall time from the start of the process;
3. the phases of that start, timed in one process in the order the app runs them:
   importing app.py, `Bot.load` (index, no model), the query engine's first question,
   importing gradio, building the three Gradio apps (`create_server`).

Each figure is the median of --repeats runs. Timings depend on the machine and its load;
this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PHASES = """
import json, os, sys, time
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
started = time.perf_counter(); out = {}
def mark(name):
    global started
    now = time.perf_counter(); out[name] = round(now - started, 3); started = now
sys.path.insert(0, ROOT_PATH)
import app; mark("import_app_s")
from pathlib import Path
from bot.service import Bot
from ingest.config import settings_from_env
bot = Bot.load(Path(INDEX_PATH), settings_from_env().model_cache); mark("bot_load_s")
bot.search("TRD3.0", k=1); mark("first_question_embedding_s")
import gradio; mark("import_gradio_s")
app.create_server(bot, "", []); mark("create_server_s")
out["torch_imported"] = "torch" in sys.modules
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_answer_seconds(index: Path, env: dict) -> float:
    port = free_port()
    started = time.monotonic()
    app = subprocess.Popen([sys.executable, "app.py", "--index", str(index), "--port", str(port)],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while time.monotonic() - started < 120:
            try:
                reply = httpx.post(f"http://127.0.0.1:{port}/api/ask",
                                   json={"question": "Hva er TRD3.0?"}, timeout=30)  # fmt: skip
                if reply.status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("appen svarte ikke innen 120 s")
    finally:
        app.terminate()
        app.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args(argv)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        ingest = [sys.executable, "-m", "ingest", "corpus", "--index", str(index), "--quiet"]
        subprocess.run(ingest, cwd=ROOT, env=env, check=True, capture_output=True)
        noop = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            subprocess.run(ingest, cwd=ROOT, env=env, check=True, capture_output=True)
            noop.append(time.perf_counter() - t)
        first = [first_answer_seconds(index, env) for _ in range(args.repeats)]
        phases = []
        for _ in range(args.repeats):
            script = PHASES.replace("ROOT_PATH", repr(str(ROOT))).replace(
                "INDEX_PATH", repr(str(index))
            )
            out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True)  # fmt: skip
            phases.append(json.loads(out.stdout.strip().splitlines()[-1]))
    result = {
        "noop_ingest_s": round(statistics.median(noop), 3),
        "first_answer_s": round(statistics.median(first), 2),
        **{k: round(statistics.median(p[k] for p in phases), 3) for k in phases[0]
           if k.endswith("_s")},
        "torch_imported": any(p["torch_imported"] for p in phases),
    }  # fmt: skip
    for key, value in result.items():
        print(f"{key:32s} {value}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
