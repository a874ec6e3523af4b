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

from core.judgment.verdicts import rep_fault_names
from core.report import Report, RepReport

PHASE_PCT = np.linspace(0.0, 100.0, 101)  # % of the rep, one sample per percent
TURN_PCT = 50.0  # the turnaround is placed here in every rep

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


def phase_times(rep: RepReport, pct: np.ndarray = PHASE_PCT) -> np.ndarray:
    """Clip time (s) at each phase percentage: piecewise linear, turnaround at 50 %."""
    pct = np.asarray(pct, dtype=np.float64)
    first = rep.start_s + (rep.turn_s - rep.start_s) * np.clip(pct, 0, TURN_PCT) / TURN_PCT
    second = rep.turn_s + (rep.end_s - rep.turn_s) * (np.clip(pct, TURN_PCT, 100) - TURN_PCT) / TURN_PCT
    return np.where(pct <= TURN_PCT, first, second)


def normalised_rep_curve(report: Report, rep_index: int, angle: str) -> np.ndarray:
    """(101,) deg: ``angle`` over one rep, resampled at 0..100 % of the rep. NaN where unmeasured."""
    if angle not in report.series or angle == "t":
        raise ValueError(f"unknown angle {angle!r}; allowed: {sorted(k for k in report.series if k != 't')}")
    rep = _rep(report, rep_index)
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
    """The rep to hold up as the athlete's own reference: complete, fewest detected faults, lowest
    total fault score, then best seen (visibility). ``exclude`` (the rep being compared) is never
    chosen, so a rep is not compared with itself. None when no other rep is left."""
    reps = [r for r in report.reps if r.index != exclude]
    if not reps:
        return None

    def badness(r: RepReport) -> tuple:
        detected = rep_fault_names(r)
        total = sum(float(f.get("score") or 0.0) for f in r.faults if f.get("judgeable", True))
        return (not r.metrics.get("complete", True), len(detected), total, -r.visibility, r.index)

    return min(reps, key=badness).index


def aligned_curves_figure(curves: Sequence[tuple[str, np.ndarray]], angle: str) -> go.Figure:
    """Overlay of time-normalised rep curves; x is % of the rep with the turnaround marked at 50 %."""
    fig = go.Figure()
    for label, values in curves:
        y = [None if not np.isfinite(v) else round(float(v), 1) for v in values]
        fig.add_trace(go.Scatter(x=PHASE_PCT.tolist(), y=y,
                                 mode="lines", name=label, line={"width": 3},
                                 hovertemplate="%{x:.0f} % of rep<br>%{y:.0f}°<extra>" + label + "</extra>"))
    fig.add_vline(x=TURN_PCT, line_dash="dot", line_color="#555", annotation_text="turnaround")
    fig.update_xaxes(title_text="Rep phase (% of rep; turnaround at 50 %)", range=[0, 100])
    fig.update_yaxes(title_text=f"{angle.replace('_', ' ').capitalize()} angle (°)")
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 30, "b": 50}, legend={"orientation": "h", "y": 1.1})
    return fig


def nearest_by_phase(frames: Sequence[Any], rep_index: int, pct: float) -> Any | None:
    """The stored key frame of ``rep_index`` closest to ``pct`` % (objects with rep_index, phase_pct)."""
    mine = [k for k in frames if k.rep_index == rep_index]
    return min(mine, key=lambda k: abs(k.phase_pct - pct)) if mine else None
