"""`--llm-url`: `rag ask` through a live `python -m llama_cpp.server` serving the tiny test model."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from rag import models


def test_ask_through_llama_cpp_server(built: Path, cli) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(models.test_model_path()),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--n_ctx",
            "2048",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/v1"
        for _ in range(240):
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        res = cli(
            "ask",
            "How much did Microsoft pay for the Inflection AI team?",
            "--json",
            "--max-tokens",
            "48",
            "--llm-url",
            url,
            cwd=built,
        )
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)
        assert out["answer"].strip() and isinstance(out["found"], bool) and f"127.0.0.1:{port}" in out["model"]
        assert out["timings"]["prompt_tokens"] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # The server is gone: one line naming the URL, exit 1.
    res = cli("ask", "How much did Microsoft pay?", "--llm-url", url, cwd=built)
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and url in res.stderr, res.stderr
