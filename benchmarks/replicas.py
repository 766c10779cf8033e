"""Load test: 1 against 2 app replicas behind nginx, sharing one index folder.

    .venv/bin/python benchmarks/replicas.py [--replicas 1 2] [--clients 4] [--seconds 30]
        [--index var/replicas-index] [--json]

The shipped corpus is ingested once into --index; every replica (`app.py --index` on its
own port, TRD30_THREADS = usable CPUs / replicas) reads that same folder and follows its
CURRENT. Debian's nginx (`/usr/sbin/nginx`, `apt-get install nginx`) listens on one port
and spreads requests over the replicas (least_conn). --clients threads then POST the
dev questions to `/api/ask` through nginx for --seconds, each waiting for its answer
before the next; reported per replica count: answers per second, p50 / p95 latency and
errors. Timings depend on the machine and its load; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTIONS = ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream trd30 {{
        least_conn;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://trd30;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} svarte ikke innen {seconds} s")


def usable_cpus() -> int:
    from ingest.config import usable_cpus as cpus

    return cpus()


def run(replicas: int, clients: int, seconds: float, index: Path, questions: list[str]) -> dict:
    prefix = Path(tempfile.mkdtemp(prefix="trd30-nginx-"))
    ports = [free_port() for _ in range(replicas)]
    threads = max(1, usable_cpus() // replicas)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_THREADS": str(threads)}
    apps = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )  # fmt: skip
        for port in ports
    ]
    nginx = None
    try:
        for port in ports:
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
        proxy_port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
        conf = prefix / "nginx.conf"
        conf.write_text(NGINX_CONF.format(prefix=prefix, servers=servers, port=proxy_port))
        nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])
        url = f"http://127.0.0.1:{proxy_port}"
        wait_until_up(f"{url}/healthz", 30)
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def client(offset: int) -> None:
            with httpx.Client(base_url=url, timeout=120) as http:
                i = offset
                while time.monotonic() < stop:
                    t = time.perf_counter()
                    try:
                        ok = http.post("/api/ask", json={"question": questions[i % len(questions)]}
                                       ).status_code == 200  # fmt: skip
                    except httpx.HTTPError:
                        ok = False
                    took = time.perf_counter() - t
                    with lock:
                        if ok:
                            latencies.append(took)
                        else:
                            errors[0] += 1
                    i += clients

        started = time.monotonic()
        workers = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        ordered = sorted(latencies)
        return {
            "replicas": replicas, "torch_threads_each": threads, "clients": clients,
            "answers": len(ordered), "errors": errors[0],
            "answers_per_s": round(len(ordered) / elapsed, 2),
            "p50_ms": round(1000 * statistics.median(ordered), 1) if ordered else None,
            "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
        }  # fmt: skip
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        for app in apps:
            app.terminate()
        for app in apps:
            app.wait(30)
        shutil.rmtree(prefix, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--index", type=Path, default=ROOT / "var" / "replicas-index")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args(argv)
    subprocess.run([sys.executable, "-m", "ingest", str(ROOT / "corpus"), "--index",
                    str(args.index), "--quiet"], check=True, cwd=ROOT,
                   env={**os.environ, "HF_HUB_OFFLINE": "1"})  # fmt: skip
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text("utf-8").splitlines()
                 if line.strip()]  # fmt: skip
    rows = []
    for n in args.replicas:
        row = run(n, args.clients, args.seconds, args.index, questions)
        rows.append(row)
        print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    if args.json:
        print(json.dumps({"runs": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
