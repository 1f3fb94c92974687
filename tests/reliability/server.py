"""A real slatrack server in a subprocess (uvicorn), for the crash and outage tests and bench/."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``uvicorn api.asgi:app`` against ``database_url``; ``start()`` waits for ``/health``."""

    def __init__(self, database_url: str, data_dir: Path, *, port: int | None = None, workers: int = 1,
                 env: dict[str, str] | None = None):
        self.database_url = database_url
        self.data_dir = data_dir
        self.port = port or free_port()
        self.workers = workers
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 60.0, wait_healthy: bool = True) -> None:
        env = {**os.environ, "SLATRACK_DATABASE_URL": self.database_url, "SLATRACK_DATA_DIR": str(self.data_dir),
               "SLATRACK_SECRET_KEY": "reliability-test", "SLATRACK_LOG_LEVEL": "WARNING", **self.env}
        cmd = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(self.workers), "--no-access-log", "--log-level", "warning"]
        log = self.log.open("ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     cwd=Path(__file__).resolve().parents[2], start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            try:
                r = httpx.get(f"{self.url}/health", timeout=2.0)
                if r.status_code == 200 or (not wait_healthy and r.status_code == 503):
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not come up: {self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole server (the uvicorn parent and its workers): no shutdown, no cleanup."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
