"""A real Milvus standalone server for tests: the PyPI package `milvus` (Embedded Milvus 2.3.5, the newest with
a Linux x86-64 wheel) runs the Milvus binary with its embedded etcd and local storage in one folder.

It is started once per test session, and can be stopped (as a crash would: SIGKILL after a second) and started
again on the same data and port. It does not clean collections between tests (see test_milvus_server.py)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

STARTUP_S = 300  # a restart waits for the previous run's etcd sessions to expire (ttl below) on busy cores
SESSION_TTL_S = 5  # Milvus's default 30 s makes every restart wait that long before it serves


class LocalMilvus:
    """One Milvus server on 127.0.0.1:`port`, its binary, config, logs and data below `base`."""

    def __init__(self, base: Path, port: int):
        from milvus import MilvusServer

        self.base, self.port = base, port
        self.uri = f"http://127.0.0.1:{port}"
        self.server: Any = MilvusServer(wait_for_started=False)
        self.server.set_base_dir(str(base))
        self.server.listen_port = port
        self.server.config.extra_configs["common.session.ttl"] = SESSION_TTL_S
        self._env: dict[str, str] | None = None

    def start(self) -> None:
        """Starts the server and returns once it answers a client; raises with its log's tail if it does not."""
        if self._env is None:
            self.server.start()  # resolves the other ports, writes the config, unpacks the binary
            self._env = {
                **os.environ,
                "DEPLOY_MODE": "STANDALONE",
                "METRICS_PORT": str(self.server.webservice_port),
                "MILVUS_RUN_DIR": str(self.base / "run"),
                "LD_LIBRARY_PATH": str(self.base / "bin"),
            }
        else:
            # The package would pick the ports anew and move off one still in TIME_WAIT; the binary reuses them.
            log = (self.base / "logs" / "milvus-restart.log").open("a")
            self.server.server_proc = subprocess.Popen(
                [self.server.get_milvus_executable_path(), "run", "standalone"],
                cwd=self.base,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.server.proc_fds["restart"] = log
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        from pymilvus import MilvusClient

        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.server.server_proc.poll() is not None:
                break
            try:
                client = MilvusClient(uri=self.uri, timeout=5)
                client.list_collections()
                client.close()
                return
            except Exception:  # pymilvus raises its own types while the server comes up
                time.sleep(1)
        raise RuntimeError(f"Milvus did not start on {self.uri}:\n{self.log_tail()}")

    @property
    def running(self) -> bool:
        return self.server.server_proc is not None and self.server.server_proc.poll() is None

    def stop(self) -> None:
        """Stops the server process (terminate, then kill after a second, as the package does)."""
        if self.server.server_proc is not None:
            self.server.stop()

    def drop_all(self) -> None:
        """Drops every collection, so each test starts from an empty server."""
        from pymilvus import MilvusClient

        client = MilvusClient(uri=self.uri, timeout=30)
        for name in client.list_collections():
            client.drop_collection(name)
        client.close()

    def log_tail(self) -> str:
        logs = sorted((self.base / "logs").glob("milvus-*.log"))
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in logs)
