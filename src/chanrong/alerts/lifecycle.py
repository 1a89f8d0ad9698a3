"""One rule's state for one subject, stepped by each observation (pure).

- 'on': pending from the first 'on'; opens once it has held `for_minutes` (the alert starts at
  the first 'on'); while open, a repeat updates the alert instead of opening another.
- 'off': a pending condition is dropped; an open alert clears after `clear_minutes` of 'off'
  (it keeps firing meanwhile, so a flapping machine does not open and close alerts).
- 'nodata' (or silenced by an active inhibiting alert): nothing changes, no timer restarts.
The state is stored between ticks, so a restart resumes a 15-minute timer where it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Step(StrEnum):
    NONE = "none"
    PENDING = "pending"
    OPEN = "open"  # a new alert
    UPDATE = "update"  # the open alert seen again
    CLEAR = "clear"


@dataclass(frozen=True)
class KeyState:
    pending_since: datetime | None = None
    clear_since: datetime | None = None
    alert_id: int | None = None

    @property
    def active(self) -> bool:
        return self.alert_id is not None


def step(
    state: KeyState, obs: str, now: datetime, for_minutes: int, clear_minutes: int
) -> tuple[KeyState, Step]:
    if obs == "on":
        if state.active:
            return replace(state, clear_since=None), Step.UPDATE
        since = state.pending_since or now
        if now - since >= timedelta(minutes=for_minutes):
            return replace(state, pending_since=since, clear_since=None), Step.OPEN
        return replace(state, pending_since=since), Step.PENDING
    if obs == "off":
        if not state.active:
            return KeyState(), Step.NONE
        since = state.clear_since or now
        if now - since >= timedelta(minutes=clear_minutes):
            return KeyState(), Step.CLEAR
        return replace(state, clear_since=since), Step.NONE
    return state, Step.NONE  # no data: frozen
