"""Compare reps: time-normalised angle curves aligned at the turnaround, metric differences, best rep.

Two reps of different speed only line up when time is rescaled per phase:
start -> turnaround maps to 0 -> 50 % and turnaround -> end maps to 50 -> 100 %,
so the bottom of a squat (or the lockout of a deadlift) sits at 50 % in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from core.judgment.reading import called_faults
from core.judgment.standards import BY_NAME as STANDARD_ROWS
from core.judgment.standards import CALL_WORDS, LIGHT_WORDS, referee_light
from core.judgment.verdicts import rep_fault_names
from core.render.figures import finish_layout
from core.report import Report, RepReport

PHASE_PCT = np.linspace(0.0, 100.0, 101)  # % of the rep, one sample per percent
TURN_PCT = 50.0  # the turnaround is placed here in every rep
# The phases stored as key frames of every rep and offered by the compare page's replay slider, so the two
# frames shown side by side are from the same phase (0 and 100 = at rest, 50 = the turnaround).
KEY_PHASES_PCT = (0.0, 25.0, 50.0, 75.0, 100.0)
# Rep detection closes a rep when the work signal falls back under its rest threshold, before the lifter is fully
# back at rest: a real side-view squat set's reps ended at a hip angle of 123-143° where the lifter stood at 177-179°
# 0.4-0.5 s later. The rep window of the curves and key frames is widened to the rest on either side:
REST_SEARCH_S = 1.5  # s searched beyond a detected boundary (never past the neighbouring rep's boundary)
REST_SHARE = 0.95  # the rest is the first sample within 5 % of the largest distance from the turnaround value

# A difference counts as notable above these, by the metric's unit suffix.
NOTABLE_BY_UNIT = {
    "_deg": 5.0,  # deg; about the frame-to-frame noise of 2-D pose joint angles at imgsz 480 (our real clips)
    "_s": 0.15,  # s; ~4-5 frames at 30 fps, below which timing is within rep-boundary jitter
    "_bh_s": 0.05,  # body heights/s; ~10 % of a typical concentric speed (0.2-0.6 bh/s on our clips)
    "_m_s": 0.1,  # m/s; the same 10 % in metres once the height is known
    "_bh": 0.02,  # body heights; ~3.5 cm of bar drift for a 1.75 m lifter
    "_cm": 3.5,  # cm; the same 0.02 body heights of a 1.75 m lifter, for the tracked barbell's cm metrics
}
METRIC_LABELS = {
    "duration_s": "Rep duration (s)", "concentric_s": "Up / concentric (s)", "eccentric_s": "Down / eccentric (s)",
    "rom_hip_deg": "Hip range of motion (°)", "rom_knee_deg": "Knee range of motion (°)",
    "rom_elbow_deg": "Elbow range of motion (°)", "rom_shoulder_deg": "Shoulder range of motion (°)",
    "min_elbow_deg": "Smallest elbow angle (°)", "rom_trunk_lean_deg": "Trunk-lean range (°)",
    "min_hip_deg": "Smallest hip angle (°)", "min_knee_deg": "Smallest knee angle (°)",
    "lockout_hip_deg": "Hip angle at lockout (°)", "lockout_knee_deg": "Knee angle at lockout (°)",
    "lockout_elbow_deg": "Elbow angle at lockout (°)", "bar_path_drift_bh": "Bar drift (body heights)",
    "mean_concentric_speed_bh_s": "Speed estimate (body heights/s)",
    "mean_concentric_speed_m_s": "Speed estimate (m/s)",
    "bar_mean_velocity_m_s": "Bar mean velocity (m/s)", "bar_peak_velocity_m_s": "Bar peak velocity (m/s)",
    "bar_rom_cm": "Bar range of motion (cm)", "bar_drift_cm": "Bar drift (cm)",
    "bar_body_distance_cm": "Bar to body distance (cm)",
}


@dataclass(frozen=True)
class MetricDifference:
    metric: str  # key in RepReport.metrics
    label: str  # with unit, for tables
    a: float | None
    b: float | None
    difference: float | None  # b - a, in the metric's unit
    notable: bool  # |difference| above NOTABLE_BY_UNIT for its unit


def _as_array(values: Sequence[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


@dataclass(frozen=True)
class RepWindow:
    """A rep from rest to rest (s): start, turnaround, end (the rep's own turnaround)."""

    start_s: float
    turn_s: float
    end_s: float


def _rest_edge(t: np.ndarray, signal: np.ndarray, turn_value: float, edge_s: float, limit_s: float) -> float:
    """The time between ``edge_s`` and ``limit_s`` (either side) where the lifter is at rest: the first sample,
    going out from the edge, within ``REST_SHARE`` of the largest distance of the signal from its turnaround value;
    ``edge_s`` itself when no sample there is measured."""
    lo, hi = sorted((edge_s, limit_s))
    inside = (t >= lo - 1e-6) & (t <= hi + 1e-6) & np.isfinite(signal)
    if not inside.any():
        return edge_s
    ts, dist = t[inside], np.abs(signal[inside] - turn_value)
    order = np.argsort(np.abs(ts - edge_s))  # out from the edge
    ok = np.flatnonzero(dist[order] >= REST_SHARE * dist.max())
    return float(ts[order[ok[0]]]) if ok.size else edge_s


# The joints that are at rest when the lifter is (standing for a squat, at the floor for a deadlift, arms long on
# a bench): a rep's window reaches rest when all of them do. Angles, not the thigh-depth work signal: a sine of
# the thigh's elevation flattens near upright and reached 95 % of its range with the hips still at 150°.
REST_JOINTS = {"squat": ("hip", "knee"), "deadlift": ("hip", "knee"), "bench": ("elbow",)}


def rep_window(report: Report, rep_index: int) -> RepWindow:
    """The rep widened to rest on either side (``REST_SEARCH_S``, never into a neighbouring rep): the earliest
    start and latest end at which each of the lift's ``REST_JOINTS`` is at rest (the work signal for an unknown
    lift); the detected bounds where nothing is measured."""
    rep = _rep(report, rep_index)
    series = report.series
    names = REST_JOINTS.get(str(report.lift.get("label")), ("work_signal",))
    others = [r for r in report.reps if r.index != rep.index]
    before = max([r.end_s for r in others if r.end_s <= rep.start_s + 1e-6], default=-np.inf)
    after = min([r.start_s for r in others if r.start_s >= rep.end_s - 1e-6], default=np.inf)
    start, end = rep.start_s, rep.end_s
    t = _as_array(series.get("t", []))
    for name in names:
        v = _as_array(series.get(name, []))
        ok = np.isfinite(v) if len(v) == len(t) else np.zeros(len(t), bool)
        if ok.sum() < 2:
            continue
        turn_value = float(np.interp(rep.turn_s, t[ok], v[ok]))
        start = min(start, _rest_edge(t, v, turn_value, rep.start_s, max(before, rep.start_s - REST_SEARCH_S)))
        end = max(end, _rest_edge(t, v, turn_value, rep.end_s, min(after, rep.end_s + REST_SEARCH_S)))
    return RepWindow(start, rep.turn_s, end)


def phase_times(rep: RepReport | RepWindow, pct: np.ndarray = PHASE_PCT) -> np.ndarray:
    """Clip time (s) at each phase percentage: piecewise linear, turnaround at 50 %."""
    pct = np.asarray(pct, dtype=np.float64)
    first = rep.start_s + (rep.turn_s - rep.start_s) * np.clip(pct, 0, TURN_PCT) / TURN_PCT
    second = rep.turn_s + (rep.end_s - rep.turn_s) * (np.clip(pct, TURN_PCT, 100) - TURN_PCT) / TURN_PCT
    return np.where(pct <= TURN_PCT, first, second)


def normalised_rep_curve(report: Report, rep_index: int, angle: str) -> np.ndarray:
    """(101,) deg: ``angle`` over one rep from rest to rest (``rep_window``), resampled at 0..100 % of the rep.
    NaN where unmeasured."""
    if angle not in report.series or angle in ("t", "work_signal"):
        raise ValueError(f"unknown angle {angle!r}; allowed: "
                         f"{sorted(k for k in report.series if k not in ('t', 'work_signal'))}")
    rep = rep_window(report, rep_index)
    t = _as_array(report.series["t"])
    v = _as_array(report.series[angle])
    inside = (t >= rep.start_s - 1e-6) & (t <= rep.end_s + 1e-6) & np.isfinite(v)
    if inside.sum() < 2:
        return np.full(PHASE_PCT.shape, np.nan)
    return np.interp(phase_times(rep), t[inside], v[inside])


def _rep(report: Report, rep_index: int) -> RepReport:
    for r in report.reps:
        if r.index == rep_index:
            return r
    raise ValueError(f"no rep {rep_index + 1}; this set has reps 1..{report.rep_count}")


def mean_curve_gap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference (deg) of two aligned curves where both are measured; NaN if nowhere."""
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.mean(np.abs(a[ok] - b[ok]))) if ok.any() else float("nan")


def _tolerance(metric: str) -> float | None:
    for suffix in sorted(NOTABLE_BY_UNIT, key=len, reverse=True):  # "_bh_s" before "_s"
        if metric.endswith(suffix):
            return NOTABLE_BY_UNIT[suffix]
    return None


def _number(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    return float(v) if np.isfinite(float(v)) else None


def compare_metrics(a: dict[str, Any], b: dict[str, Any]) -> list[MetricDifference]:
    """Metric-by-metric difference (b - a) of two reps' metrics; booleans and text are skipped."""
    out = []
    for key in [k for k in a if k in b] + [k for k in b if k not in a]:
        if isinstance(a.get(key), bool) or isinstance(b.get(key), bool) or _tolerance(key) is None:
            continue
        va, vb = _number(a.get(key)), _number(b.get(key))
        diff = None if va is None or vb is None else round(vb - va, 3)
        notable = diff is not None and abs(diff) > (_tolerance(key) or 0.0)
        out.append(MetricDifference(key, METRIC_LABELS.get(key, key.replace("_", " ")), va, vb, diff, notable))
    return out


def bar_velocities(report: Report) -> tuple[list[float | None], float | None]:
    """(mean concentric bar velocity per rep in m/s, None where not measured; the set's velocity loss from
    its fastest rep in %) from the tracked barbell; ([], None) for a report without a bar."""
    v = [r.metrics.get("bar_mean_velocity_m_s") for r in report.reps]
    loss = report.extras.get("velocity_loss_pct")
    if not any(x is not None for x in v):
        return [], None
    return v, None if loss is None else float(loss)


def best_rep(report: Report, exclude: int | None = None) -> int | None:
    """The rep to hold up as the athlete's own reference: complete, fewest failed referee standards, fewest
    detected faults, a white light, lowest total fault score, then best seen (visibility). ``exclude`` (the rep
    being compared) is never chosen, so a rep is not compared with itself. None when no other rep is left."""
    reps = [r for r in report.reps if r.index != exclude]
    if not reps:
        return None

    def badness(r: RepReport) -> tuple:
        detected = rep_fault_names({"faults": called_faults(r)})
        failed = sum(c.get("call") == "fail" for c in (r.standards or {}).values())
        unlit = referee_light(r.standards) != "white" if r.standards else False
        total = sum(float(f.get("score") or 0.0) for f in r.faults if f.get("judgeable", True))
        return (not r.metrics.get("complete", True), failed, len(detected), unlit, total, -r.visibility, r.index)

    return min(reps, key=badness).index


def compare_standards(a: RepReport, b: RepReport) -> list[dict[str, str]]:
    """The referee standards of two reps side by side, one row per standard either rep has: the call in words
    with its number and unit (core.judgment.standards); "—" where a rep has no such standard (an old report or
    another lift)."""
    def cell(c: dict | None) -> str:
        if not c:
            return "—"
        v = c.get("value")
        number = f" ({v:.2f} {c.get('unit', '')})" if isinstance(v, int | float) else ""
        return CALL_WORDS.get(c.get("call"), "—") + number
    names = list(dict.fromkeys([*(a.standards or {}), *(b.standards or {})]))
    rows = [{"Standard": STANDARD_ROWS[n].title if n in STANDARD_ROWS else n, "A": cell((a.standards or {}).get(n)),
             "B": cell((b.standards or {}).get(n))} for n in names]
    if rows:
        light = {None: "— no light"} | LIGHT_WORDS
        rows.append({"Standard": "Referee's light", "A": light[referee_light(a.standards)] if a.standards else "—",
                     "B": light[referee_light(b.standards)] if b.standards else "—"})
    return rows


CURVE_COLORS = ("#1f5f99", "#c0392b")  # A dark blue, B dark red: both >= 5:1 on white, apart in colour blindness too


def aligned_curves_figure(curves: Sequence[tuple[str, np.ndarray]], angle: str) -> go.Figure:
    """Overlay of time-normalised rep curves; x is % of the rep with the turnaround marked at 50 %."""
    fig = go.Figure()
    for (label, values), color in zip(curves, CURVE_COLORS, strict=False):
        y = [None if not np.isfinite(v) else round(float(v), 1) for v in values]
        fig.add_trace(go.Scatter(x=PHASE_PCT.tolist(), y=y,
                                 mode="lines", name=label, line={"width": 3, "color": color},
                                 hovertemplate="%{x:.0f} % of rep<br>%{y:.0f}°<extra>" + label + "</extra>"))
    fig.add_vline(x=TURN_PCT, line_dash="dot", line_color="#555", annotation_text="turnaround")
    fig.update_xaxes(title_text="Rep phase (% of rep; turnaround at 50 %)", range=[0, 100])
    fig.update_yaxes(title_text=f"{angle.replace('_', ' ').capitalize()} angle (°)")
    return finish_layout(fig, 380, legend=True)


def nearest_by_phase(frames: Sequence[Any], rep_index: int, pct: float) -> Any | None:
    """The stored key frame of ``rep_index`` closest to ``pct`` % (objects with rep_index, phase_pct)."""
    mine = [k for k in frames if k.rep_index == rep_index]
    return min(mine, key=lambda k: abs(k.phase_pct - pct)) if mine else None


def default_pair(sets: Sequence[Any]) -> tuple[int, int]:
    """(A, B) set ids the compare page opens with (objects with id, lift, oldest first): the two latest sets of
    the lift of the latest set that has another set of its lift, so a squat is not put against a deadlift
    when two sets of one lift exist; else the two latest sets (or one set twice)."""
    for last in reversed(sets):
        same = [s for s in sets if s.lift == last.lift and s.lift is not None]
        if len(same) >= 2:
            return same[-2].id, same[-1].id
    return (sets[-2].id, sets[-1].id) if len(sets) >= 2 else (sets[-1].id, sets[-1].id)


def same_height(images: Sequence[bytes]) -> list[np.ndarray]:
    """Encoded frames (JPEG/PNG) as RGB arrays padded with black to one shape: the widest aspect of them all and
    the tallest height, so side by side at one width a portrait and a landscape frame are drawn equally tall."""
    import cv2

    rgb = [cv2.cvtColor(cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
           for b in images]
    height = max(i.shape[0] for i in rgb)
    aspect = max(i.shape[1] / i.shape[0] for i in rgb)
    width = int(round(height * aspect))
    out = []
    for img in rgb:
        scale = height / img.shape[0]
        img = cv2.resize(img, (max(1, int(round(img.shape[1] * scale))), height), interpolation=cv2.INTER_AREA)
        pad = max(0, width - img.shape[1])
        out.append(cv2.copyMakeBorder(img[:, :width], 0, 0, pad // 2, pad - pad // 2, cv2.BORDER_CONSTANT,
                                      value=(0, 0, 0)))
    return out
