"""An alert's life for one subject: pending, open, repeat, flapping, clearing, no data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chanrong.alerts.lifecycle import KeyState, Step, step

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def run(obs: list[str], for_minutes: int = 15, clear_minutes: int = 20) -> list[Step]:
    state, out = KeyState(), []
    for i, o in enumerate(obs):
        state, what = step(state, o, T0 + timedelta(minutes=i), for_minutes, clear_minutes)
        if what is Step.OPEN:
            state = KeyState(alert_id=1)  # the engine stores the new alert's id
        out.append(what)
    return out


def test_opens_once_the_condition_has_held_its_pending_time() -> None:
    steps = run(["on"] * 17)
    assert steps[:15] == [Step.PENDING] * 15  # minutes 0..14: holding, not yet 15 minutes
    assert steps[15] is Step.OPEN and steps[16] is Step.UPDATE  # one alert, then repeats


def test_a_short_blip_never_opens() -> None:
    assert Step.OPEN not in run(["on"] * 10 + ["off"] + ["on"] * 10)


def test_no_data_freezes_the_timer_instead_of_restarting_it() -> None:
    steps = run(["on"] * 10 + ["nodata"] * 30 + ["on"] * 6)
    # pending since minute 0; the gap neither resets nor advances the decision, and at minute
    # 40 the condition has held (by the clock) far longer than 15 minutes: it opens
    assert steps[40] is Step.OPEN


def test_clears_only_after_the_clearing_time_so_flapping_keeps_one_alert() -> None:
    steps = run(["on"] * 16 + (["off"] * 5 + ["on"]) * 3 + ["off"] * 21)
    assert steps.count(Step.OPEN) == 1
    assert Step.CLEAR not in steps[:-1] and steps[-1] is Step.CLEAR  # 20 minutes off, then 21st


def test_the_state_alone_carries_the_timer_across_a_restart() -> None:
    state, _ = step(KeyState(), "on", T0, 15, 20)
    # a new engine reads the stored state back and goes on from it
    stored = KeyState(state.pending_since, state.clear_since, state.alert_id)
    _, what = step(stored, "on", T0 + timedelta(minutes=15), 15, 20)
    assert what is Step.OPEN
