"""What the live page says aloud (core.coaching.spoken): one phrase per rep, the number first, at most one cue from
the one cue table, the velocity-loss stop at the lifter's limit; and on a real set (a cached pose trace through the
live analyzer) the numbers and the stop that the browser test hears."""

from __future__ import annotations

import pytest

from core.coaching.spoken import (
    CUE_PHRASES,
    DEPARTURES,
    RepEvent,
    VoiceSettings,
    cue_of,
    departures_of,
    hand_speeds,
    phrases,
    rep_event,
)
from core.judgment.faults.table import ROWS
from core.judgment.standards import MEASUREMENT_UNITS, STANDARDS
from core.live import LiveAnalyzer, LiveSettings
from core.types import Rep
from tests.integration.test_live_clips import live_config, live_trace  # noqa: F401 (fixtures)


def test_every_standard_and_per_rep_fault_has_a_short_cue():
    names = [s.name for s in STANDARDS] + list(ROWS) + [d.name for d in DEPARTURES]
    missing = [n for n in names if n not in CUE_PHRASES]
    assert not missing, missing
    assert all(d.name in MEASUREMENT_UNITS for d in DEPARTURES)
    assert all(1 <= len(p.split()) <= 3 for p in CUE_PHRASES.values()), CUE_PHRASES
    assert set(CUE_PHRASES) <= set(names)  # no phrase for a name nothing produces


def test_one_phrase_per_rep_number_first_and_one_cue_by_priority():
    events = [RepEvent(0, speed=0.50),
              RepEvent(1, faults=("bar_away_from_body", "early_hip_rise"), departures=("range_of_motion",),
                       speed=0.49),
              RepEvent(2, failed_standards=("lockout",), faults=("bar_away_from_body",), speed=0.48),
              RepEvent(3, departures=("trunk_angle_bottom",), speed=0.47)]
    said = phrases(events, VoiceSettings(stop_loss_pct=25), "s1")
    assert [p.text for p in said] == ["1", "2, bar close", "3, lock it out", "4, chest up"]
    assert [p.id for p in said] == ["s1/rep0", "s1/rep1", "s1/rep2", "s1/rep3"]  # one id per rep of the set
    assert [p.text for p in phrases(events, VoiceSettings(cues=False), "s1")] == ["1", "2", "3", "4"]


def test_velocity_loss_stop_at_the_lifters_limit_and_only_then():
    speeds = [0.60, 0.58, 0.50, 0.44, 0.47]  # m/s; loss vs the fastest: 0, 3, 17, 27, 22 %
    events = [RepEvent(i, faults=("bar_away_from_body",), speed=v, speed_from="bar") for i, v in enumerate(speeds)]
    said = [p.text for p in phrases(events, VoiceSettings(stop_loss_pct=20), "s")]
    assert said == ["1, bar close", "2, bar close", "3, bar close", "4, stop: velocity loss 27 %",
                    "5, stop: velocity loss 22 %"]  # the stop replaces the form cue: still one phrase per rep
    assert not any("stop" in p.text for p in phrases(events, VoiceSettings(stop_loss_pct=None), "s"))
    assert not any("stop" in p.text for p in phrases(events, VoiceSettings(stop_loss_pct=0), "s"))
    mixed = [RepEvent(0, speed=0.9, speed_from="hands"), RepEvent(1, speed=0.3, speed_from="bar")]
    assert phrases(mixed, VoiceSettings(stop_loss_pct=1), "s")[1].text == "2"  # bar and hand speeds never mixed


def test_report_dicts_become_events():
    faults = [{"name": "heel_rise", "verdict": "fine"}, {"name": "bent_arms", "verdict": "fault", "p": 0.7},
              {"name": "early_hip_rise", "verdict": "fault", "p": 0.9}]
    standards = {"lockout": {"call": "pass"}, "bar_down": {"call": "fail"}}
    measurements = {"bar_drift": {"value": 9.0, "unit": "cm", "baseline_delta": 4.0},
                    "range_of_motion": {"value": 50.0, "unit": "cm", "baseline_delta": -1.0}}
    event = rep_event(2, faults, standards, measurements, speed=float("nan"))
    assert event.faults == ("early_hip_rise", "bent_arms") and event.failed_standards == ("bar_down",)
    assert event.departures == ("bar_drift",) and event.speed is None
    assert cue_of(event) == "keep driving"
    assert departures_of({"range_of_motion": {"baseline_delta": -6.0}}) == ("range_of_motion",)
    assert cue_of(rep_event(0, [{"name": "heel_rise", "verdict": "not_sure"}])) is None  # unsure: no cue


@pytest.mark.needs_data
@pytest.mark.needs_model
def test_real_set_says_each_rep_and_stops_on_the_hands_slowing(live_trace, live_config):  # noqa: F811
    """formfit_deadlift (2 reps) through the live analyzer at the live page's pose settings (trace cached on disk):
    the two reps' hand speeds differ by a few %, so the slower one passes a 1 % limit and not the 25 % default."""
    trace = live_trace("formfit_deadlift")
    live = LiveAnalyzer(live_config, "deadlift", settings=LiveSettings(fps_hint=trace.fps))
    for people, t in zip(trace.people, trace.times, strict=True):
        live.step_people(people, float(t), (trace.info.width, trace.info.height))
    live.finish()
    reps = [Rep(i, *b, True) for i, b in enumerate(live.counted_bounds())]
    speeds = hand_speeds(live.clean_series(), reps, concentric_first=True)
    assert len(speeds) == 2 and all(0.05 < v < 1.0 for v in speeds), speeds  # body heights/s: a real pull
    events = [rep_event(r.index, r.faults, speed=v) for r, v in zip(live.reps, speeds, strict=True)]
    loss = 100 * max(0.0, speeds[0] - speeds[1]) / speeds[0]  # % rep 2 is slower than rep 1 (0 when faster)
    for limit in (1, 25):
        said = [p.text for p in phrases(events, VoiceSettings(stop_loss_pct=limit), "s")]
        assert said[0] == "1"
        assert said[1] == (f"2, stop: velocity loss {loss:.0f} %" if loss >= limit else "2"), (said, speeds)
    swapped = [rep_event(0, speed=max(speeds)), rep_event(1, speed=min(speeds))]  # the slower rep second
    assert phrases(swapped, VoiceSettings(stop_loss_pct=1), "s")[1].text.startswith("2, stop: velocity loss ")
