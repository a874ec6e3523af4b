"""Each class of counting failure seen on unseen footage (issue 23), on a real clip of that class with the real
pose model and barbell tracker (or, where no real clip of the class exists, a simulated one, said so): the count,
the lift and what found the reps (``rep_source``)."""

from __future__ import annotations

import numpy as np
import pytest

from core.judgment.learned.sim import simulate_scene
from core.pipeline import analyze_trace, trace_video
from tests.conftest import clip_path, manifest_row

pytestmark = [pytest.mark.slow, pytest.mark.needs_data, pytest.mark.needs_model]

_traces: dict = {}


@pytest.fixture(scope="module")
def analysed(backend, config):
    """``analysed(stem)`` -> the default analysis of a real clip (pose, scene cuts and the bar tracked)."""
    def get(stem: str):
        if stem not in _traces:
            _traces[stem] = trace_video(clip_path(stem), backend, config, lambda _f, _s: None)
        return analyze_trace(_traces[stem], config)
    return get


def sources(analysis) -> set[str]:
    return {r.rep_source for r in analysis.report.reps}


def manifest_reps(stem: str) -> int:
    return int(manifest_row(stem)["reps"])


def test_touch_and_go_bench_with_unrack_and_re_rack_counts_only_the_presses(analysed):
    """chauhan08_bench-press: sets up 0-6.5 s, self-unrack ~7 s, 7 touch-and-go reps, re-rack ~23 s."""
    a = analysed("chauhan08_bench-press")
    assert a.report.rep_count == manifest_reps("chauhan08_bench-press") == 7
    assert a.report.lift["label"] == "bench"
    assert sources(a) == {"bar"}


def test_a_paused_bench_rep_is_one_rep(analysed):
    """jlederer_bench_press: slow descent, the bar still on the chest ~2.5-5.5 s, press to lockout ~6.2 s."""
    a = analysed("jlederer_bench_press")
    assert a.report.rep_count == 1
    assert a.report.lift["label"] == "bench" or a.report.lift["candidates"][0]["label"] == "bench"
    assert sources(a) == {"bar"}
    (rep,) = a.report.reps
    assert rep.end_s - rep.turn_s < 3.5  # the rep's lowest point is in the pause, its end at the lockout
    assert abs((rep.end_s) - 6.2) <= 0.5


def test_a_pull_lowered_and_left_is_one_rep(analysed):
    """victorccole_deadlift: long set-up, one pull, lockout held, the bar lowered to the floor at the end."""
    a = analysed("victorccole_deadlift")
    assert a.report.rep_count == 1
    assert a.report.lift["label"] == "deadlift"
    assert sources(a) == {"bar"}
    assert abs(a.report.reps[0].turn_s - 7.0) <= 0.5  # lockout when it is reached, not when the hold peaks


def test_quarter_squats_are_counted_simulated():
    """No real set of partial squats exists here: four simulated quarter squats, seen from the side,
    are four reps, counted from the shoulders (the simulator draws no bar)."""
    scene = simulate_scene("squat", n_reps=4, form="insufficient_depth", seed=3)
    a = analyze_trace(scene.trace)
    assert a.report.rep_count == 4
    assert a.report.lift["label"] == "squat"
    assert sources(a) == {"body"}


def test_a_walk_out_is_not_a_rep_simulated():
    """A squat walk-out and walk-in (unrack dip, three steps back, three forward, re-rack dip), simulated."""
    scene = simulate_scene("squat", walkout=True, seed=4)
    a = analyze_trace(scene.trace)
    assert a.report.rep_count == scene.reps
    assert sources(a) == {"body"}


def test_the_bench_pause_is_read_from_the_bar_and_follows_the_setting(analysed, config):
    """Referee standards on the same real sets (core.judgment.standards, issue 24): jlederer_bench_press holds the
    bar still on the chest for ~3 s (a pause); chauhan08_bench-press's first six reps are touch-and-go (its notes: a
    ~1.2 s slow start before rep 7). A pause setting of 0 (touch-and-go training) judges no pause. The set's
    velocity loss is each rep against its fastest rep."""
    analysed("jlederer_bench_press")  # the traces, computed once for this module
    paused = analyze_trace(_traces["jlederer_bench_press"], config, lift_override="bench").report
    call = paused.reps[-1].standards["pause"]
    assert call["call"] == "pass" and call["value"] >= 1.0, call
    untimed = analyze_trace(_traces["jlederer_bench_press"], config.update(standard_pause_s=0.0),
                            lift_override="bench").report
    assert all("pause" not in r.standards for r in untimed.reps)
    analysed("chauhan08_bench-press")
    tng = analyze_trace(_traces["chauhan08_bench-press"], config, lift_override="bench").report
    assert [r.standards["pause"]["call"] for r in tng.reps[:6]].count("pass") == 0
    assert sum(r.standards["pause"]["call"] == "fail" for r in tng.reps[:6]) >= 5
    loss = [r.measurements["velocity_loss"]["value"] for r in tng.reps]
    assert min(loss) == 0 and max(loss) > 20  # the set slowed: a velocity-based set would have ended earlier


def test_a_real_pull_measures_how_far_the_hips_led_the_shoulders(analysed):
    """victorccole_deadlift: hips and shoulders leave the floor together (no rep labelled hips-first here)."""
    (rep,) = analysed("victorccole_deadlift").report.reps
    m = rep.measurements["hips_before_shoulders"]
    assert m["value"] is not None and abs(m["value"]) < 8 and m["unit"].startswith("cm"), m


def test_a_held_lockout_lowered_on_stage_is_no_rep_and_a_pull(analysed):
    """akshayop_deadlift (rear view, strongman stage): the clip starts at lockout, holds it and lowers the bar;
    a judge and a cameraman cut by the picture's left edge must not be taken for the lifter (they read as a
    squatting body: 1 rep and a squat at 99 %)."""
    a = analysed("akshayop_deadlift")
    assert a.report.rep_count == manifest_reps("akshayop_deadlift") == 0
    assert a.report.lift["label"] == "deadlift"
    lifter = next(t for t in a.tracks if t.track_id == a.lifter_id)
    x = np.nanmedian((lifter.boxes[:, 0] + lifter.boxes[:, 2]) / 2) / a.trace.info.width
    assert 0.3 < x < 0.7  # the man in the middle of the stage
