"""Real server processes and a real browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from chanrong.access.rules import Role
from chanrong.platform import Platform
from chanrong.store.db import Store
from tests.conftest import PASSWORD, SME, world

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    db: Path
    log: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.port = self.port or free_port()
        logfile = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chanrong.cli", "serve", "--db", str(self.db), "--port", str(self.port), *self.args],
            stdout=logfile, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def signal(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.signal(signal.SIGTERM)


@pytest.fixture
def seeded_db(tmp_path: Path) -> tuple[Path, str]:
    """A database file with the test world, a user and a gateway key; closed for the server."""
    db = tmp_path / "e2e.duckdb"
    platform = Platform(Store(db))
    world(platform)
    platform.access.add_user(SME, "chen", PASSWORD, display_name="陈厂长", role=Role.ADMIN)
    key = platform.access.create_api_key(SME, "e2e gateway")
    platform.close()
    return db, key


@pytest.fixture
def server(seeded_db: tuple[Path, str], tmp_path: Path) -> Iterator[Server]:
    srv = Server(seeded_db[0], tmp_path / "server.log").start()
    yield srv
    srv.stop()
