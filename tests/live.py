"""Live servers for tests: a free loopback port, waiting for a started process, an ASGI app in a thread."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from typing import Any

STARTUP_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = STARTUP_S) -> None:
    """Returns once `url` answers 200; raises with the process's output if it exits first, or on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{proc.args} exited with {proc.returncode}:\n{proc.stdout.read() if proc.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def start_uvicorn(app: Any) -> tuple[str, Any]:
    """`app` served on a free loopback port in a daemon thread: (base URL, server; set `should_exit` to stop)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, "127.0.0.1", port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server
