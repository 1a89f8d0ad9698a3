"""A background service of the server that does one round every interval (`run_once`), keeps
its last round and errors for /healthz, and stops cleanly with the server."""

from __future__ import annotations

import logging
import threading
from typing import Any


class Periodic:
    name = "periodic"

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        self.rounds = 0
        self.last: dict[str, Any] = {}
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Any:
        raise NotImplementedError

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception as exc:  # a bad round is logged; the next one tries again
                self.errors = [*self.errors[-9:], f"{type(exc).__name__}: {exc}"]
                logging.getLogger(f"chanrong.{self.name}").warning(
                    f"{self.name} round failed", extra={"error": str(exc)}
                )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

    def status(self) -> dict[str, Any]:
        return {"running": bool(self._thread and self._thread.is_alive()), "rounds": self.rounds,
                "last": self.last, "last_error": self.errors[-1] if self.errors else None}  # fmt: skip
