"""`rag bench --load`: a bounded load run against a live `rag serve` on loopback, reporting answered requests per
second, latency p50/p95 and the share turned away with 429, for 1, 5 and 20 concurrent API clients.

It starts the server as a subprocess with the caller's settings, drives it with threads of HTTP clients (each a
fixed number of questions, every request with a timeout) and stops it. It does not judge the answers
(tests/test_load.py does) and sends nothing beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

import httpx

from ..errors import RagError
from ..settings import Settings
from ..types import LoadRequest

LEVELS = (1, 5, 20)  # concurrent API clients
TIMEOUT_S = 300.0  # the longest a client waits for one reply


def attempt(http: httpx.Client, base: str, question: str, stream: bool) -> LoadRequest:
    """One chat completion, timed to its full reply; a failure is a `LoadRequest` with status 0, never raised."""
    body = {"model": "rag", "messages": [{"role": "user", "content": question}], "stream": stream}
    t0 = time.perf_counter()
    try:
        with http.stream("POST", f"{base}/v1/chat/completions", json=body) as res:
            if res.status_code == 200 and stream:
                answer, error = _read_stream(res.iter_lines())
                return LoadRequest(question, 200, time.perf_counter() - t0, answer, None, error)
            data = json.loads(res.read() or b"{}")
    except (httpx.HTTPError, ValueError) as exc:
        return LoadRequest(question, 0, time.perf_counter() - t0, error=type(exc).__name__)
    ok = res.status_code == 200
    answer = data["choices"][0]["message"]["content"] if ok else ""
    error = "" if ok else str((data.get("error") or {}).get("message", ""))
    return LoadRequest(
        question, res.status_code, time.perf_counter() - t0, answer, res.headers.get("retry-after"), error
    )


def _read_stream(lines: Iterator[str]) -> tuple[str, str]:
    """(concatenated content, error message) of a streamed reply."""
    content, error = "", ""
    for line in lines:
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        event = json.loads(line[6:])
        if "error" in event:
            error = event["error"]["message"]
        else:
            content += event["choices"][0]["delta"].get("content") or ""
    return content, error


def client(
    base: str, questions: list[str], stream: bool, retry_s: float, timeout: float = TIMEOUT_S
) -> list[LoadRequest]:
    """Asks `questions` in turn. After a 429 it waits the Retry-After it was given, as a polite client does, then
    asks the same question again while `retry_s` seconds have not passed since its first try, else the next."""
    out: list[LoadRequest] = []
    wait = 0.0  # the Retry-After of the last 429, waited before the next request (none after the last)
    with httpx.Client(timeout=timeout) as http:
        for question in questions:
            first = time.monotonic()
            while True:
                time.sleep(wait)
                out.append(attempt(http, base, question, stream))
                wait = min(float(out[-1].retry_after or 1), 30) if out[-1].status == 429 else 0.0
                if not wait or time.monotonic() + wait - first > retry_s:
                    break
    return out


def drive(
    base: str, plans: list[list[str]], retry_s: float = 0.0, stream_every: int = 0
) -> tuple[list[list[LoadRequest]], float]:
    """Every plan (one client's questions) run at once; client i streams when `stream_every` divides i + 1."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(plans)) as pool:
        jobs = [
            pool.submit(client, base, plan, retry_s=retry_s, stream=bool(stream_every) and (i + 1) % stream_every == 0)
            for i, plan in enumerate(plans)
        ]
        results = [job.result() for job in jobs]
    return results, time.perf_counter() - t0


def summary(results: list[list[LoadRequest]], seconds: float) -> dict[str, Any]:
    from .evaluate import pct

    done = [r for rs in results for r in rs]
    answered = [r.seconds for r in done if r.status == 200 and not r.error]
    rejected = sum(r.status == 429 for r in done)
    return {
        "clients": len(results),
        "requests": len(done),
        "answered": len(answered),
        "rejected_429": rejected,
        "failed": len(done) - len(answered) - rejected,
        "seconds": round(seconds, 1),
        "answered_per_s": round(len(answered) / seconds, 3) if seconds else 0.0,
        "latency_s_p50": pct(answered, 50),
        "latency_s_p95": pct(answered, 95),
        "share_429": round(rejected / len(done), 3) if done else 0.0,
    }


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) / 1024, 1)


@contextmanager
def serving(settings: Settings, startup_s: float = 300) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m rag serve` with `settings` (as RAG_* variables) on a free loopback port, stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        # No API key: the clients of this run send none.
        if f.name not in ("origin", "host", "port", "api_key") and value is not None:
            env[f"RAG_{f.name.upper()}"] = str(value)
    cmd = [sys.executable, "-m", "rag", "serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as log:  # a file, not a pipe nobody reads: a chatty server would block
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            _wait(base, proc, startup_s, log)
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait(base: str, proc: subprocess.Popen, startup_s: float, log: IO[str]) -> None:
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    log.seek(0)
    last = ([line for line in log.read().splitlines() if line.strip()] or ["no output"])[-1]
    raise RagError(f"rag serve did not start at {base} (exit code {proc.poll()}): {last}")


def run(questions: list[str], settings: Settings, per_client: int) -> dict[str, Any]:
    """Each level's clients ask `per_client` questions each, taken in turn from `questions`; one warm-up first."""
    with serving(settings) as (base, proc):
        with httpx.Client(timeout=TIMEOUT_S) as http:
            attempt(http, base, questions[0], False)  # loads the model
        rss_before = rss_mib(proc.pid)
        levels = []
        for n in LEVELS:
            plans = [[questions[(i * per_client + j) % len(questions)] for j in range(per_client)] for i in range(n)]
            levels.append(summary(*drive(base, plans)))
        rss_after = rss_mib(proc.pid)
    return {
        "llm": settings.llm_url or settings.llm_model,
        "max_tokens": settings.max_tokens,
        "queue_limit": settings.queue_limit,
        "per_client": per_client,
        "levels": levels,
        "rss_mib_before": rss_before,
        "rss_mib_after": rss_after,
    }


def text(r: dict[str, Any]) -> str:
    rows = [
        f"  {v['clients']:>7}  {v['answered_per_s']:>10}  {v['latency_s_p50']!s:>6}  {v['latency_s_p95']!s:>6}  "
        f"{v['share_429']:>9.0%}  {v['answered']}/{v['requests']} answered, {v['failed']} failed, {v['seconds']} s"
        for v in r["levels"]
    ]
    head = (
        f"load on rag serve ({r['llm']}, max_tokens {r['max_tokens']}, queue_limit {r['queue_limit']}; "
        f"{r['per_client']} question(s) per client, a 429 waits its Retry-After)"
    )
    cols = "  clients  answered/s   p50 s   p95 s  429 share"
    rss = f"server RSS {r['rss_mib_before']} MiB after warm-up, {r['rss_mib_after']} MiB after the run"
    return "\n".join([head, cols, *rows, rss])
