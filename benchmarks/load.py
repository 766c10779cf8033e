"""Load test: N simultaneous users asking the running app, through the JSON API or the
Gradio queue the chat page uses.

    .venv/bin/python benchmarks/load.py [--users 10,50] [--seconds 30] [--warmup 5]
        [--think 0] [--route api|gradio] [--timeout 30] [--conversation 5] [--seed 0]
        [--index var/load-index] [--docs DIR ...] [--json]
    .venv/bin/python benchmarks/load.py --queue-burst 100 [--index var/load-index] [--json]

For each user count a fresh app is started (`app.py --index DIR --port <free port>`, with
HF_HUB_OFFLINE=1 and TRD30_RATE_LIMIT=0: the per-client rate limit on /api/* would
otherwise throttle a benchmark whose users all come from 127.0.0.1), /healthz is waited
for, and the app is always stopped afterwards, its log kept in var/load-logs/. If --index
holds no index, `python -m ingest corpus [--docs ...] --index DIR` builds one first (in
the default folder, the benchmark's own, ingest runs every time: a no-op when nothing
changed). The shipped corpus answers few of the development questions; --docs
../shared/eval/dev2/docs ../shared/eval/norquad-dev/docs makes most of them answerable.

Every user is an asyncio task (all sharing one httpx connection pool), asking in a
closed loop: a question, its answer, a pause, the next question. The pause is drawn from
an exponential distribution with mean --think seconds (people read and think for
different times), and with --think the users start at random moments within one mean
pause rather than all at once. The questions
are those of the three development sets in ../shared/eval (dev-questions.jsonl,
dev2/questions.jsonl, norquad-dev/questions.jsonl), shuffled with --seed; each user starts
at its own place in that list. The routes:

- api: `POST /api/ask {"question", "history"}`, history as the set gives it (dev2's
  follow-ups), so every request stands alone; an answer is a 200 with a `status`.
- gradio: what the browser does: `POST /gradio_api/queue/join` with the "ask" event's
  fn_index (from GET /config), then `GET /gradio_api/queue/data` read as server-sent
  events until that event's "process_completed". A user keeps one session (so the chat
  history grows, as on the page) for --conversation questions, then starts a new one.
  A completed event whose reply is the chat's error message counts as an error.

After --warmup seconds (not counted) each run measures --seconds: answers per second,
p50 / p95 / p99 / max latency of the requests that finished in the window, errors by kind
(HTTP status, with or without Retry-After, timeout after --timeout s, connection error,
error reply), the app's idle and peak RSS and thread count (polled from /proc/PID/status
every 0.2 s), its CPU use (from /proc/PID/stat; 100 % = one core) and this client's own,
which shares the machine's CPUs with the app. After a refused request a user waits the
Retry-After seconds (else 1 s) before asking again, as a person would; requests still
running when the window closes are dropped. Also reported: the usable CPUs, the torch
threads the app uses (TRD30_THREADS, else the usable CPUs), the load average before each
run and the ERROR lines in the app's log.

--queue-burst N fires N simultaneous queue/join requests (each its own session) at one
fresh app and counts those accepted and those refused with 503, with and without a
Retry-After header, then waits for the accepted ones to finish.

Measured 2026-12-02 on this 2-CPU machine, index of 249 documents (corpus plus the dev
sets' documents), --seconds 30-40, one question answered at a time, a queue of 20:
- people reading (--think 5): api 10 users 2.2 answers/s, p50 / p95 / p99 56 / 133 / 198
  ms; 50 users 10.3/s, 109 / 350 / 420 ms, 0 errors; gradio 50 users 10.4/s, 137 / 520 /
  591 ms, 0 errors. Peak RSS 340-370 MiB.
- closed loop (--think 0, every user asks again at once; other work kept the load
  average at 3-5): api 10 users 14.9/s, 662 / 837 / 898 ms; 50 users 13.5/s, 1547 /
  2173 / 2951 ms and 174 replies 503 with Retry-After (the queue of 20 is full); gradio
  10 users 9.4/s, 1077 / 1409 / 1534 ms; 50 users 7.3/s and 174 503s.
A burst of 100 joins: 21 accepted, drained in 2.1 s, 79 refused with Retry-After: 5.

With --json the last line is one JSON object. Timings depend on the machine and its
load; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"
QUESTION_SETS = (
    EVAL / "dev-questions.jsonl",
    EVAL / "dev2" / "questions.jsonl",
    EVAL / "norquad-dev" / "questions.jsonl",
)
LOGS = ROOT / "var" / "load-logs"
DEFAULT_INDEX = ROOT / "var" / "load-index"
POLL_SECONDS = 0.2
ERROR_PAUSE = 1.0  # seconds a refused user waits when the reply names no Retry-After


@dataclass(frozen=True)
class Question:
    text: str
    history: tuple[str, ...] = ()


@dataclass
class Outcome:
    """One request: None as `error` is an answer."""

    finished: float
    seconds: float
    error: str | None = None
    retry_after: float | None = None
    status: str | None = None  # the answer's status (api route)


@dataclass
class ProcessStats:
    rss_idle_mib: float = 0.0
    rss_peak_mib: float = 0.0
    threads_idle: int = 0
    threads_peak: int = 0
    samples: list[tuple[float, float]] = field(default_factory=list)


def load_questions(seed: int) -> list[Question]:
    questions = []
    for path in QUESTION_SETS:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                questions.append(Question(row["question"], tuple(row.get("history") or ())))
    random.Random(seed).shuffle(questions)
    return questions


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env() -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRD30_RATE_LIMIT": "0",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TRD30_DATA": os.environ.get("TRD30_DATA") or "var/load-data",  # not the real one
    }


def ensure_index(index: Path, sources: list[Path], ours: bool) -> None:
    """Build the index from `sources` if none was ever written to `index`; the default
    folder is the benchmark's own, so there ingest also runs every time (a no-op when
    nothing changed, a rebuild when the index format did)."""
    from ingest.index import never_built

    if ours or never_built(index):
        print(f"ingest {' '.join(map(str, sources))} -> {index} …", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "ingest", *map(str, sources), "--index", str(index), "--quiet"],
            cwd=ROOT,
            env=app_env(),
            stdout=sys.stderr,  # its report; stdout is the table (and the JSON line)
            check=True,
        )


def start_app(index: Path, port: int, log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        # Its own process group, so that stop_app also ends anything it starts.
        return subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(port)],
            cwd=ROOT,
            env=app_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_app(app: subprocess.Popen) -> None:
    if app.poll() is None:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(10)
    else:
        try:  # the app is gone; anything left in its group goes too
            os.killpg(app.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_until_up(app: subprocess.Popen, url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise RuntimeError(f"appen avsluttet med kode {app.returncode} før den svarte")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url}/healthz svarte ikke innen {seconds} s")


def read_status(pid: int) -> tuple[float, int]:
    """The process's resident memory (MiB) and thread count, from /proc/PID/status."""
    rss, threads = 0.0, 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("Threads:"):
            threads = int(line.split()[1])
    return rss, threads


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def watch(pid: int, stats: ProcessStats) -> None:
    while True:
        try:
            rss, threads = read_status(pid)
        except OSError:
            return
        stats.rss_peak_mib = max(stats.rss_peak_mib, rss)
        stats.threads_peak = max(stats.threads_peak, threads)
        await asyncio.sleep(POLL_SECONDS)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return ERROR_PAUSE


def refused(response: httpx.Response, started: float) -> Outcome:
    pause = retry_after(response)
    kind = f"http {response.status_code}" + (" retry-after" if pause is not None else "")
    return Outcome(time.monotonic(), time.monotonic() - started, kind, pause)


async def ask_api(client: httpx.AsyncClient, question: Question, session: dict) -> Outcome:
    started = time.monotonic()
    body = {"question": question.text, "history": list(question.history)}
    response = await client.post("/api/ask", json=body)
    if response.status_code != 200:
        return refused(response, started)
    status = response.json().get("status")
    now = time.monotonic()
    return Outcome(now, now - started, None if status else "no status", status=status)


def reply_text(output: dict) -> str:
    """The last chat message's text in a "process_completed" output of the ask event."""
    messages = output["data"][1]
    content = messages[-1]["content"] if messages else ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


async def ask_gradio(client: httpx.AsyncClient, question: Question, session: dict) -> Outcome:
    """Join the queue as the page does and read the session's event stream to the end."""
    from bot.chat import error_html

    started = time.monotonic()
    join = await client.post(
        f"{session['prefix']}/queue/join",
        json={
            "data": [question.text, None],  # None: the session's own chat state
            "fn_index": session["fn_index"],
            "session_hash": session["hash"],
            "trigger_id": None,
            "event_data": None,
        },
    )
    if join.status_code != 200:
        return refused(join, started)
    event_id = join.json()["event_id"]
    params = {"session_hash": session["hash"]}
    async with client.stream("GET", f"{session['prefix']}/queue/data", params=params) as stream:
        if stream.status_code != 200:
            await stream.aread()
            return refused(stream, started)
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            kind = message.get("msg")
            if kind == "close_stream":
                break
            if message.get("event_id") != event_id:
                continue
            if kind == "unexpected_error":
                return Outcome(time.monotonic(), time.monotonic() - started, "unexpected_error")
            if kind == "process_completed":
                now = time.monotonic()
                if not message.get("success"):
                    return Outcome(now, now - started, "gradio error")
                if reply_text(message["output"]) == error_html():
                    return Outcome(now, now - started, "error reply")
                return Outcome(now, now - started)
    return Outcome(time.monotonic(), time.monotonic() - started, "stream ended early")


async def one_request(ask, client, question, session, timeout: float) -> Outcome:
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            return await ask(client, question, session)
    except TimeoutError:
        kind = "timeout"
    except httpx.TimeoutException:
        kind = "timeout"
    except httpx.HTTPError as err:
        kind = type(err).__name__
    except (ValueError, KeyError, IndexError) as err:  # a reply not in the expected format
        kind = f"bad reply ({type(err).__name__})"
    return Outcome(time.monotonic(), time.monotonic() - started, kind)


async def user(number: int, users: int, args, ask, client, questions, base: dict, results):
    position = number * len(questions) // users
    asked = 0
    session = {**base, "hash": uuid.uuid4().hex[:11]}
    # People think for different times and do not start together: each user's pause is
    # drawn from an exponential distribution with mean --think, and its first question
    # comes at a random moment within one mean pause (seeded, so runs repeat).
    rng = random.Random(args.seed * 1000 + number)
    if args.think:
        await asyncio.sleep(rng.uniform(0, args.think))
    while True:
        if asked and asked % args.conversation == 0:
            session = {**base, "hash": uuid.uuid4().hex[:11]}  # a new visitor
        question = questions[position % len(questions)]
        position += 1
        asked += 1
        outcome = await one_request(ask, client, question, session, args.timeout)
        results.append(outcome)
        pause = rng.expovariate(1 / args.think) if args.think else 0.0
        if outcome.error is not None and outcome.error != "timeout":
            pause = max(pause, outcome.retry_after or ERROR_PAUSE)
        if pause:
            await asyncio.sleep(pause)


def percentile(ordered: list[float], p: float) -> float | None:
    """The nearest-rank percentile of sorted values, in milliseconds."""
    if not ordered:
        return None
    return round(1000 * ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


def gradio_base(url: str) -> dict:
    """Where the chat's queue is and which fn_index its "ask" event has, from /config."""
    config = httpx.get(f"{url}/config", timeout=10).json()
    for position, dependency in enumerate(config["dependencies"]):
        if dependency.get("api_name") == "ask":
            fn_index = dependency.get("id", position)
            return {"prefix": config.get("api_prefix", "/gradio_api"), "fn_index": fn_index}
    raise RuntimeError("fant ingen hendelse med api_name 'ask' i /config")


def log_errors(log: Path) -> tuple[int, list[str]]:
    """How many ERROR lines and tracebacks the app logged, and the first few distinct."""
    lines = log.read_text("utf-8", errors="replace").splitlines()
    bad = [line for line in lines if " ERROR " in line or line.startswith("Traceback")]
    return len(bad), list(dict.fromkeys(line[24:124] for line in bad))[:3]


async def measure(url: str, pid: int, users: int, args, questions) -> dict:
    ask = ask_gradio if args.route == "gradio" else ask_api
    base = gradio_base(url) if args.route == "gradio" else {}
    stats = ProcessStats()
    stats.rss_idle_mib, stats.threads_idle = read_status(pid)
    results: list[Outcome] = []
    limits = httpx.Limits(max_connections=2 * users + 10, max_keepalive_connections=2 * users)
    async with httpx.AsyncClient(base_url=url, timeout=args.timeout, limits=limits) as client:
        watcher = asyncio.create_task(watch(pid, stats))
        tasks = [
            asyncio.create_task(user(n, users, args, ask, client, questions, base, results))
            for n in range(users)
        ]
        await asyncio.sleep(args.warmup)
        window_start = time.monotonic()
        app_cpu, own_cpu = cpu_seconds(pid), time.process_time()
        await asyncio.sleep(args.seconds)
        window_end = time.monotonic()
        app_cpu, own_cpu = cpu_seconds(pid) - app_cpu, time.process_time() - own_cpu
        for task in [*tasks, watcher]:
            task.cancel()
        await asyncio.gather(*tasks, watcher, return_exceptions=True)
    counted = [r for r in results if window_start <= r.finished <= window_end]
    answers = sorted(r.seconds for r in counted if r.error is None)
    errors = Counter(r.error for r in counted if r.error is not None)
    statuses = Counter(r.status for r in counted if r.status is not None)
    return {
        "route": args.route,
        "users": users,
        "answers": len(answers),
        "answers_per_s": round(len(answers) / args.seconds, 2),
        "p50_ms": percentile(answers, 50),
        "p95_ms": percentile(answers, 95),
        "p99_ms": percentile(answers, 99),
        "max_ms": percentile(answers, 100),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "answer_statuses": dict(statuses),
        "rss_idle_mib": round(stats.rss_idle_mib, 1),
        "rss_peak_mib": round(stats.rss_peak_mib, 1),
        "threads_idle": stats.threads_idle,
        "threads_peak": stats.threads_peak,
        "app_cpu_pct": round(100 * app_cpu / (window_end - window_start), 1),
        "client_cpu_pct": round(100 * own_cpu / (window_end - window_start), 1),
    }


async def burst(url: str, n: int, timeout: float) -> dict:
    """N simultaneous queue/join requests, then the accepted ones read to their end."""
    base = gradio_base(url)
    go = asyncio.Event()
    limits = httpx.Limits(max_connections=n + 10)

    async def one(client: httpx.AsyncClient) -> tuple[int | None, str | None, float | None]:
        session = {**base, "hash": uuid.uuid4().hex[:11]}
        await go.wait()
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                join = await client.post(
                    f"{base['prefix']}/queue/join",
                    json={"data": ["Hva er TRD3.0?", None], "fn_index": base["fn_index"],
                          "session_hash": session["hash"], "trigger_id": None,
                          "event_data": None},
                )  # fmt: skip
                if join.status_code != 200:
                    return join.status_code, join.headers.get("retry-after"), None
                params = {"session_hash": session["hash"]}
                path = f"{base['prefix']}/queue/data"
                async with client.stream("GET", path, params=params) as stream:
                    async for line in stream.aiter_lines():
                        if '"process_completed"' in line:
                            return 200, None, time.monotonic() - started
                return 200, None, None
        except (TimeoutError, httpx.HTTPError):
            return None, None, None

    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        tasks = [asyncio.create_task(one(client)) for _ in range(n)]
        await asyncio.sleep(0.5)  # every task waiting at the start line
        started = time.monotonic()
        go.set()
        outcomes = await asyncio.gather(*tasks)
        drained = time.monotonic() - started
    done = sorted(s for code, _, s in outcomes if code == 200 and s is not None)
    codes = Counter(code for code, _, _ in outcomes)
    return {
        "burst": n,
        "accepted": codes[200],
        "completed": len(done),
        "refused_503_retry_after": sum(1 for c, ra, _ in outcomes if c == 503 and ra),
        "refused_503_plain": sum(1 for c, ra, _ in outcomes if c == 503 and not ra),
        "retry_after_values": sorted({ra for c, ra, _ in outcomes if c == 503 and ra}),
        "other": {str(c): k for c, k in codes.items() if c not in (200, 503)},
        "completed_p50_ms": percentile(done, 50),
        "completed_max_ms": percentile(done, 100),
        "drained_s": round(drained, 2),
    }


def with_app(index: Path, name: str, work) -> dict:
    """`work(url, pid)` against a fresh app; the app is stopped whatever happens."""
    load = os.getloadavg()[0]  # other work on the machine skews the figures
    port = free_port()
    log = LOGS / f"{name}.log"
    app = start_app(index, port, log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(app, url)
        row = asyncio.run(work(url, app.pid))
    finally:
        stop_app(app)
    row["app_log_errors"], row["app_log_examples"] = log_errors(log)
    row["app_log"] = str(log.relative_to(ROOT))
    row["loadavg_before"] = round(load, 2)
    return row


def ms(value: float | None) -> str:
    return f"{value:8.1f}" if value is not None else f"{'-':>8s}"


def print_table(rows: list[dict]) -> None:
    header = (f"{'route':6s} {'users':>5s} {'answers':>7s} {'ans/s':>6s} {'p50 ms':>8s} "
              f"{'p95 ms':>8s} {'p99 ms':>8s} {'errors':>6s} {'RSS idle':>8s} {'RSS peak':>8s} "
              f"{'threads':>7s} {'app CPU':>7s} {'own CPU':>7s}")  # fmt: skip
    print(header)
    for r in rows:
        print(f"{r['route']:6s} {r['users']:5d} {r['answers']:7d} {r['answers_per_s']:6.2f} "
              f"{ms(r['p50_ms'])} {ms(r['p95_ms'])} {ms(r['p99_ms'])} "
              f"{r['errors']:6d} {r['rss_idle_mib']:8.0f} {r['rss_peak_mib']:8.0f} "
              f"{r['threads_peak']:7d} {r['app_cpu_pct']:6.0f}% "
              f"{r['client_cpu_pct']:6.0f}%")  # fmt: skip
    for r in rows:
        notes = []
        if r["error_kinds"]:
            notes.append("errors " + ", ".join(f"{k}: {v}" for k, v in r["error_kinds"].items()))
        if r["answer_statuses"]:
            notes.append(", ".join(f"{k}: {v}" for k, v in r["answer_statuses"].items()))
        notes.append(f"load average before {r['loadavg_before']}")
        if r["app_log_errors"]:
            notes.append(f"{r['app_log_errors']} ERROR lines in {r['app_log']}")
        if notes:
            print(f"  {r['route']} {r['users']} users: " + "; ".join(notes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="10,50", help="user counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=5, help="seconds not counted first")
    parser.add_argument("--think", type=float, default=0, help="seconds between questions")
    parser.add_argument("--route", choices=["api", "gradio"], default="api")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--conversation", type=int, default=5,
                        help="questions per Gradio session before a new one")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="shuffles the questions")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--docs", type=Path, nargs="*", default=[],
                        help="document folders to ingest besides corpus/")  # fmt: skip
    parser.add_argument("--queue-burst", type=int, metavar="N",
                        help="only: N simultaneous Gradio queue/join requests")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args(argv)
    from ingest.config import torch_threads, usable_cpus

    ensure_index(args.index, [ROOT / "corpus", *args.docs], args.index.resolve() == DEFAULT_INDEX)
    setting = {"cpus": usable_cpus(), "torch_threads": torch_threads(app_env())}
    print(f"usable CPUs {setting['cpus']}, torch threads in the app {setting['torch_threads']}")
    if args.queue_burst:
        row = with_app(args.index, "burst",
                       lambda url, pid: burst(url, args.queue_burst, args.timeout))  # fmt: skip
        for key, value in row.items():
            print(f"{key:26s} {value}")
        if args.json:
            print(json.dumps({**setting, "queue_burst": row}, ensure_ascii=False))
        return 0
    questions = load_questions(args.seed)
    rows = []
    for users in [int(n) for n in args.users.split(",") if n.strip()]:
        rows.append(
            with_app(args.index, f"{args.route}-{users}",
                     lambda url, pid, u=users: measure(url, pid, u, args, questions))
        )  # fmt: skip
        print(f"… {args.route} {users} users: {rows[-1]['answers_per_s']} answers/s",
              file=sys.stderr, flush=True)  # fmt: skip
    print_table(rows)
    if args.json:
        print(json.dumps({**setting, "questions": len(questions), "runs": rows},
                         ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
