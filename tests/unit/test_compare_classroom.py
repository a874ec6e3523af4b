"""Known-answer tests of rep alignment, metric differences, best rep, class summary, names and exports."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from core.judgment.fault_titles import fault_title
from core.records.classroom import FAULT_CUES, display_names, summarise_class
from core.records.compare import best_rep, compare_metrics, normalised_rep_curve, phase_times, rep_window
from core.records.export import class_summary_csv, printable_html, sets_csv
from core.records.history import fault_rates, set_trend
from core.report import Report, RepReport


def fault(name: str, detected: bool, score: float = 0.5, judgeable: bool = True) -> dict:
    return {"name": name, "score": score, "detected": detected, "judgeable": judgeable, "evidence": "",
            "source": "rule"}


def report(reps: list[RepReport], lift: str = "squat", t: np.ndarray | None = None,
           knee: np.ndarray | None = None, set_faults: tuple = ()) -> Report:
    t = np.arange(0, 6, 0.1) if t is None else t
    knee = 180 - 10 * t if knee is None else knee
    return Report({}, {"label": lift}, {}, {}, tuple(reps), {}, set_faults=set_faults,
                  series={"t": [float(x) for x in t], "knee": [float(x) for x in knee]})


def rep(i: int, start: float, turn: float, end: float, faults: tuple = (), **metrics) -> RepReport:
    return RepReport(i, start, turn, end, {"complete": True, **metrics}, faults)


@pytest.mark.parametrize(("pct", "expected_s"), [
    pytest.param(0, 1.0, id="start"), pytest.param(25, 1.5, id="half-way-down"), pytest.param(50, 2.0, id="turn"),
    pytest.param(75, 3.0, id="half-way-up"), pytest.param(100, 4.0, id="end")])
def test_phase_times_put_the_turnaround_at_50(pct, expected_s):
    assert phase_times(rep(0, 1.0, 2.0, 4.0), np.array([pct]))[0] == pytest.approx(expected_s)


def test_normalised_curve_of_a_linear_angle():
    r = report([rep(0, 1.0, 2.0, 4.0)], lift="unknown")  # knee = 180 - 10 t deg; no signal to find rest on
    curve = normalised_rep_curve(r, 0, "knee")
    assert curve.shape == (101,)
    assert curve[[0, 50, 100]] == pytest.approx([170.0, 160.0, 140.0])
    with pytest.raises(ValueError, match="unknown angle 'wrist'"):
        normalised_rep_curve(r, 0, "wrist")
    with pytest.raises(ValueError, match="no rep 3"):
        normalised_rep_curve(r, 2, "knee")


def squat_knee(t: np.ndarray, bottoms: tuple[float, ...]) -> np.ndarray:
    """Knee angle (deg) of squats standing at 178 deg, down to 80 deg at each bottom over 1 s either side."""
    knee = np.full(t.shape, 178.0)
    for b in bottoms:
        knee = np.minimum(knee, 80.0 + 98.0 * np.clip(np.abs(t - b) / 1.0, 0, 1))
    return knee


def test_rep_curves_run_from_standing_to_standing_when_detection_cut_the_rep():
    """Rep detection closed each squat rep on the way up (knee ~130 deg); the aligned curve reaches standing on
    both sides, and never runs into the neighbouring rep."""
    t = np.round(np.arange(0, 8, 1 / 15), 4)  # 15 samples a second
    knee = squat_knee(t, (2.0, 5.0))
    r = report([rep(0, 1.3, 2.0, 2.5), rep(1, 4.3, 5.0, 5.5)], t=t, knee=knee)  # cut at 149-129 deg
    assert np.interp([1.3, 2.5], t, knee) == pytest.approx([148.6, 129.0])
    for i in (0, 1):
        window = rep_window(r, i)
        curve = normalised_rep_curve(r, i, "knee")
        assert curve[0] >= 170 and curve[-1] >= 170, (i, curve[[0, -1]])  # standing at 0 % and at 100 %
        assert curve[50] == pytest.approx(80, abs=1)  # the bottom still at the turnaround
        assert window.start_s >= (2.5 if i == 1 else 0) and window.end_s <= (4.3 if i == 0 else 8)
    assert rep_window(r, 0).end_s < 3.2  # the first sample at rest, not the end of the pause


def test_metric_differences_and_notable_thresholds():
    diffs = {d.metric: d for d in compare_metrics(
        {"rom_hip_deg": 80.0, "min_knee_deg": 90.0, "duration_s": 2.0, "mean_concentric_speed_bh_s": 0.30,
         "complete": True, "bar_path_drift_bh": None},
        {"rom_hip_deg": 86.5, "min_knee_deg": 93.0, "duration_s": 2.1, "mean_concentric_speed_bh_s": 0.40,
         "complete": False, "bar_path_drift_bh": 0.02})}
    assert "complete" not in diffs  # booleans are not differences
    assert (diffs["rom_hip_deg"].difference, diffs["rom_hip_deg"].notable) == (6.5, True)  # > 5 deg
    assert diffs["min_knee_deg"].notable is False  # 3 deg is pose noise
    assert diffs["duration_s"].notable is False  # 0.1 s < 0.15 s
    assert diffs["mean_concentric_speed_bh_s"].notable is True  # 0.1 bh/s > 0.05 bh/s (not the "_s" rule)
    assert diffs["bar_path_drift_bh"].difference is None and not diffs["bar_path_drift_bh"].notable


def test_best_rep_has_the_fewest_faults():
    r = report([rep(0, 0, 1, 2, (fault("knee_cave", True, 0.9),)),
                rep(1, 2, 3, 4, (fault("knee_cave", False, 0.1),)),
                rep(2, 4, 5, 6, (fault("knee_cave", False, 0.3),))])
    assert best_rep(r) == 1
    assert best_rep(report([])) is None


def test_own_best_rep_is_never_the_rep_itself():
    r = report([rep(0, 0, 1, 2, (fault("knee_cave", True, 0.9),)),
                rep(1, 2, 3, 4, (fault("knee_cave", False, 0.1),)),
                rep(2, 4, 5, 6, (fault("knee_cave", False, 0.3),))])
    assert best_rep(r, exclude=1) == 2  # the best rep compared against the next best, not itself
    assert best_rep(r, exclude=0) == 1
    assert best_rep(report([rep(0, 0, 1, 2)]), exclude=0) is None  # one rep: nothing to compare


def test_fault_rate_counts_a_fault_once_per_rep_whatever_produced_it():
    """An old report with a rule row and a model row per fault: 2 of 2 reps show it, not 3 of 4 rows."""
    model = {"source": "model:form"}
    r = report([rep(0, 0, 1, 2, (fault("rounded_back", True), fault("rounded_back", True) | model)),
                rep(1, 2, 3, 4, (fault("rounded_back", True), fault("rounded_back", False) | model))])
    assert fault_rates(r) == {"rounded_back": 1.0}
    new = fault("rounded_back", False) | {"verdict": "not_sure"}  # new reports: not sure is not judged
    assert fault_rates(report([rep(0, 0, 1, 2, (new,)), rep(1, 2, 3, 4, (fault("rounded_back", True),))])) == {
        "rounded_back": 1.0}


def test_class_summary_counts_students_not_sets():
    a = report([rep(0, 0, 1, 2, (fault("knee_cave", True),)), rep(1, 2, 3, 4, (fault("knee_cave", True),))])
    b = report([rep(0, 0, 1, 2, (fault("knee_cave", True), fault("heel_rise", True)))])
    c = report([rep(0, 0, 1, 2, (fault("knee_cave", False),))],
               set_faults=(fault("stance_width", True) | {"label": "narrow"},))
    s = summarise_class({1: [(10, a), (11, a)], 2: [(12, b)], 3: [(13, c)], 4: []})
    assert s.n_students == 3
    assert s.students_with_fault == {"knee_cave": 2, "heel_rise": 1, "stance_width": 1}
    assert s.most_common_fault == "knee_cave" and s.cue == FAULT_CUES["knee_cave"][1]
    assert s.examples["stance_width"] == [(13, None)]
    assert len(s.examples["knee_cave"]) == 5  # every rep that showed it, for the teaching panel
    csv_rows = class_summary_csv(s).strip().splitlines()
    assert csv_rows[1].startswith(f"{fault_title('knee_cave')},2,0.667,")  # the page's title, not the id


def test_fault_rate_uses_judgeable_reps_only():
    r = report([rep(0, 0, 1, 2, (fault("knee_cave", True),)), rep(1, 2, 3, 4, (fault("knee_cave", False),)),
                rep(2, 4, 5, 6, (fault("knee_cave", False, judgeable=False),))])
    assert fault_rates(r) == {"knee_cave": 0.5}


@pytest.mark.parametrize(("mode", "expected"), [
    pytest.param("numbers", ["Student 1", "Student 2", "Student 3"], id="numbers"),
    pytest.param("initials", ["A.B. (1)", "A.B. (2)", "C."], id="initials-disambiguated"),
    pytest.param("names", ["Ann Bell", "Al Brown", "cy"], id="names")])
def test_display_names(mode, expected):
    assert display_names(["Ann Bell", "Al Brown", "cy"], mode) == expected


def test_display_mode_must_be_known():
    with pytest.raises(ValueError, match="unknown display mode 'emoji'"):
        display_names(["x"], "emoji")


def test_exports_escape_names_and_keep_units():
    r = report([rep(0, 1.0, 2.0, 4.0, (fault("knee_cave", True),), rom_knee_deg=95.0,
                    mean_concentric_speed_bh_s=0.31)])
    trend = set_trend(7, datetime(2026, 3, 1, 9, 30, tzinfo=UTC), r)
    assert (trend.rom_deg, trend.rom_joint, trend.speed_bh_s) == (95.0, "knee", 0.31)
    html = printable_html("Class <script>", ["<img src=x onerror=alert(1)>"], [trend])
    assert "<script>" not in html and "<img src=x" not in html and "&lt;img src=x" in html
    assert "95° (knee)" in html and "Knees cave in 100%" in html  # plain-word titles, not raw names
    rows = sets_csv(["Ann"], [trend]).strip().splitlines()
    assert rows[0].endswith("mean_speed_body_heights_per_s,knee_cave_rate")
    assert rows[1] == "Ann,7,2026-03-01T09:30:00+00:00,squat,1,knee,95.0,0.31,1.0"


def test_compare_opens_on_two_sets_of_one_lift():
    from types import SimpleNamespace as S

    from core.records.compare import default_pair

    sets = [S(id=1, lift="deadlift"), S(id=2, lift="squat"), S(id=3, lift="deadlift"), S(id=4, lift="squat"),
            S(id=5, lift="bench")]
    assert default_pair(sets) == (2, 4)  # the newest lift with two sets, its two latest
    assert default_pair(sets[:3]) == (1, 3)  # a sumo deadlift is never put against the squat in between
    assert default_pair(sets[:2]) == (1, 2)  # no lift twice: the two latest sets
    assert default_pair(sets[:1]) == (1, 1)


def test_portrait_and_landscape_frames_are_padded_to_one_shape():
    import cv2

    from core.records.compare import same_height

    portrait = cv2.imencode(".png", np.full((480, 270, 3), 200, np.uint8))[1].tobytes()
    landscape = cv2.imencode(".png", np.full((270, 480, 3), 100, np.uint8))[1].tobytes()
    a, b = same_height([portrait, landscape])
    assert a.shape == b.shape == (480, 853, 3)  # the tallest height, the widest aspect: equally tall side by side
    assert (a[:, 427] == 200).all() and (a[:, 0] == 0).all()  # the portrait frame centred, black either side
    assert (b[:, 0] == 100).all()  # the landscape frame scaled up to the full height, no bars


def test_history_charts_are_per_lift_in_set_order_with_no_none():
    from core.records.history import SetTrend, by_lift, trend_figures, trend_rows

    day = datetime(2026, 3, 3, 9, tzinfo=UTC)
    trends = [SetTrend(i, day.replace(minute=i), lift, 3, None if lift is None else 90.0 + i, "knee", 0.3,
                       {"knee_cave": 0.5 * (i % 2)}) for i, lift in enumerate(["squat", "deadlift", "squat",
                                                                                "deadlift", "squat", None])]
    groups = by_lift(trends)
    assert list(groups) == ["Squat", "Deadlift", "Lift not recognised"]
    for lift_trends in groups.values():
        for key, fig in trend_figures(lift_trends):
            for trace in fig.data:  # one lift per line, every set a point of its own in set order
                assert list(trace.x) == [f"#{t.session_id}<br>03 Mar" for t in lift_trends]
            assert fig.layout.showlegend == (key == "faults")  # only the fault chart has several lines
            assert fig.layout.title.text
    rows = trend_rows(trends)
    assert all("None" not in v for r in rows for v in r.values())
    assert rows[-1]["ROM (°)"] == "—" and rows[0]["Faults (share of reps)"] == "none"
    assert rows[1]["Faults (share of reps)"].endswith(" 50%")
