"""An athlete's sets over time: rep count, fault rate per fault, range of motion, speed and bar velocity trends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.judgment.fault_titles import fault_title
from core.judgment.verdicts import verdict_of
from core.report import Report

# The joint whose range of motion best describes each lift's depth (hip hinge, knee bend, arm press).
MAIN_JOINT = {"deadlift": "hip", "squat": "knee", "bench": "elbow"}


@dataclass(frozen=True)
class SetTrend:
    """One point per stored set on the history charts."""

    session_id: int
    recorded_at: datetime
    lift: str | None
    rep_count: int
    rom_deg: float | None  # mean range of motion of the lift's main joint over the set's reps, deg
    rom_joint: str | None
    speed_bh_s: float | None  # mean concentric speed estimate, body heights per second
    fault_rate: dict[str, float]  # fault name -> share of judgeable reps where it was detected (0-1)
    bar_velocity_m_s: float | None = None  # mean of the reps' mean concentric bar velocity (tracked barbell), m/s
    velocity_loss_pct: float | None = None  # the set's bar velocity loss from its fastest rep, %


def _mean(values: list) -> float | None:
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    v = v[np.isfinite(v)]
    return round(float(v.mean()), 2) if v.size else None


def fault_rates(report: Report) -> dict[str, float]:
    """Per fault name: reps showing it / reps where it could be judged, each fault counted once per rep
    by name whatever produced it (rule or model), so the rate equals the set's own report. A whole-set
    fault counts as one judgment of its own name."""
    judged: dict[str, list[bool]] = {}
    groups = [r.faults for r in report.reps] + [(f,) for f in report.set_faults]
    for faults in groups:
        names = {f["name"] for f in faults}
        shown = {f["name"] for f in faults if verdict_of(f) == "fault"}
        for name in names:
            if name in shown or any(verdict_of(f) == "fine" for f in faults if f["name"] == name):
                judged.setdefault(name, []).append(name in shown)
    return {name: round(sum(d) / len(d), 3) for name, d in sorted(judged.items())}


def set_trend(session_id: int, recorded_at: datetime, report: Report) -> SetTrend:
    lift = report.lift.get("label")
    joint = MAIN_JOINT.get(lift or "")
    rom = _mean([r.metrics.get(f"rom_{joint}_deg") for r in report.reps]) if joint else None
    speed = _mean([r.metrics.get("mean_concentric_speed_bh_s") for r in report.reps])
    bar_v = _mean([r.metrics.get("bar_mean_velocity_m_s") for r in report.reps])
    loss = report.extras.get("velocity_loss_pct")  # absent in reports saved before the barbell stage
    return SetTrend(session_id, recorded_at, lift, report.rep_count, rom, joint, speed, fault_rates(report),
                    bar_v, None if loss is None else round(float(loss), 1))


def trend_figure(trends: Sequence[SetTrend]) -> go.Figure:
    """Stacked charts sharing the date axis: reps, fault rate per fault, ROM, speed and, when any set
    has a tracked barbell, its mean bar velocity and velocity loss."""
    bar = any(t.bar_velocity_m_s is not None or t.velocity_loss_pct is not None for t in trends)
    titles = ["Reps per set", "Fault rate per fault", "Range of motion", "Speed estimate"]
    if bar:
        titles += ["Bar mean velocity (tracked barbell)", "Bar velocity loss over the set"]
    n = len(titles)
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.2 / n, subplot_titles=titles)
    x = [t.recorded_at for t in trends]
    fig.add_trace(go.Scatter(x=x, y=[t.rep_count for t in trends], mode="lines+markers", name="Reps"), row=1, col=1)
    for name in sorted({n for t in trends for n in t.fault_rate}):
        y = [None if name not in t.fault_rate else 100 * t.fault_rate[name] for t in trends]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=fault_title(name)), row=2, col=1)
    fig.add_trace(go.Scatter(x=x, y=[t.rom_deg for t in trends], mode="lines+markers", name="ROM",
                             text=[t.rom_joint or "" for t in trends],
                             hovertemplate="%{text} ROM %{y:.0f}°<extra></extra>"), row=3, col=1)
    fig.add_trace(go.Scatter(x=x, y=[t.speed_bh_s for t in trends], mode="lines+markers", name="Speed"), row=4, col=1)
    fig.update_yaxes(title_text="Reps (count)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="Reps with fault (%)", range=[0, 105], row=2, col=1)
    fig.update_yaxes(title_text="Main joint ROM (°)", row=3, col=1)
    fig.update_yaxes(title_text="Body heights/s", rangemode="tozero", row=4, col=1)
    if bar:
        fig.add_trace(go.Scatter(x=x, y=[t.bar_velocity_m_s for t in trends], mode="lines+markers",
                                 name="Bar velocity", hovertemplate="%{y:.2f} m/s<extra></extra>"), row=5, col=1)
        fig.add_trace(go.Scatter(x=x, y=[t.velocity_loss_pct for t in trends], mode="lines+markers",
                                 name="Velocity loss", hovertemplate="%{y:.0f} %<extra></extra>"), row=6, col=1)
        fig.update_yaxes(title_text="m/s", rangemode="tozero", row=5, col=1)
        fig.update_yaxes(title_text="Loss from fastest rep (%)", rangemode="tozero", row=6, col=1)
    fig.update_xaxes(title_text="Date of set", row=n, col=1)
    _date_axis(fig, x)
    fig.update_layout(height=205 * n, margin={"l": 70, "r": 20, "t": 40, "b": 50}, legend={"orientation": "h"})
    return fig


DAY_MS = 86_400_000  # one day in milliseconds, plotly's unit for date-axis ticks
MIN_SPAN_DAYS = 7  # below this span the axis shows one tick per day, padded by a day each side


def _date_axis(fig: go.Figure, x: Sequence[datetime]) -> None:
    """Dates as dates ("12 Mar 2026"), never clock ticks like "10:00:50.3075", even for one set."""
    fig.update_xaxes(type="date", tickformat="%d %b %Y", hoverformat="%d %b %Y %H:%M")
    if not x:
        return
    lo, hi = min(x), max(x)
    if (hi - lo) < timedelta(days=MIN_SPAN_DAYS):
        start = (lo - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        end = (hi + timedelta(days=1)).replace(hour=23, minute=59, second=0, microsecond=0)
        fig.update_xaxes(range=[start, end], dtick=DAY_MS, tick0=start, ticklabelmode="period")
