"""Login throttling (OWASP API2, API4): too many failed logins lock a name or a client for a while.

Pure: an injected clock and in-memory windows; one server process owns them.
"""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta

from chanrong.clock import Clock

WINDOW = timedelta(minutes=15)
MAX_PER_NAME = 5  # failed attempts per user name within the window
MAX_PER_CLIENT = 20  # failed attempts per client address within the window


class TooManyAttempts(Exception):
    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(f"too many failed logins; try again in {minutes} minutes")


class LoginThrottle:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[datetime]:
        q = self._failures[key]
        cutoff = self.clock.now() - WINDOW
        while q and q[0] <= cutoff:
            q.popleft()
        return q

    def check(self, name: str, client: str | None) -> None:
        """Raise TooManyAttempts while the name or the client is locked out."""
        for key, limit in (
            (f"name:{name.lower()}", MAX_PER_NAME),
            (f"client:{client}", MAX_PER_CLIENT),
        ):
            if key == "client:None":
                continue
            q = self._recent(key)
            if len(q) >= limit:
                raise TooManyAttempts(q[0] + WINDOW - self.clock.now())

    def failed(self, name: str, client: str | None) -> None:
        now = self.clock.now()
        self._recent(f"name:{name.lower()}").append(now)
        if client:
            self._recent(f"client:{client}").append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"name:{name.lower()}", None)
