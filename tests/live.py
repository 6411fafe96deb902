"""Live servers for tests: a free loopback port, a server process run until its URL answers, an ASGI app in
a thread."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STARTUP_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = STARTUP_S) -> None:
    """Returns once `url` answers 200; raises if the process exits first, or on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@contextmanager
def running(
    cmd: list[str], url: str, cwd: Path | None = None, env: dict | None = None, timeout: float = STARTUP_S
) -> Iterator[subprocess.Popen]:
    """`cmd` started and waited for until `url` answers; stopped on exit. Its output goes to a file (a pipe
    nobody reads would block a chatty server) and is shown if it fails to start."""
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            try:
                wait_until_up(url, proc, timeout)
            except (RuntimeError, TimeoutError) as exc:
                log.seek(0)
                raise RuntimeError(f"{exc}\n{log.read()[-4000:]}") from None
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_uvicorn(app: Any) -> tuple[str, Any]:
    """`app` served on a free loopback port in a daemon thread: (base URL, server; set `should_exit` to stop)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, "127.0.0.1", port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server
