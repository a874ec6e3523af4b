"""An athlete's sets over time: rep count, red lights and failed referee standards, fault rate per fault, range of
motion, speed and bar velocity trends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import plotly.graph_objects as go

from core.judgment.fault_titles import fault_title
from core.judgment.reading import called_faults
from core.judgment.standards import BY_NAME as STANDARD_ROWS
from core.judgment.standards import referee_light
from core.judgment.verdicts import verdict_of
from core.render.figures import finish_layout
from core.report import Report
from core.skeleton import LIFT_WORDS

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
    standard_fail_rate: dict[str, float] = field(default_factory=dict)  # referee standard name -> share of the
    # reps with a pass/fail call on it that failed (0-1); borderline and can't-see calls are not counted
    red_lights: tuple[int, int] = (0, 0)  # (reps with a red light, reps with a light)


def _mean(values: list) -> float | None:
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    v = v[np.isfinite(v)]
    return round(float(v.mean()), 2) if v.size else None


def fault_rates(report: Report) -> dict[str, float]:
    """Per fault name: reps showing it / reps where it could be judged, each fault counted once per rep
    by name whatever produced it (rule or model), so the rate equals the set's own report. A whole-set
    fault counts as one judgment of its own name."""
    judged: dict[str, list[bool]] = {}
    groups = [called_faults(r) for r in report.reps] + [(f,) for f in report.set_faults]
    for faults in groups:
        names = {f["name"] for f in faults}
        shown = {f["name"] for f in faults if verdict_of(f) == "fault"}
        for name in names:
            if name in shown or any(verdict_of(f) == "fine" for f in faults if f["name"] == name):
                judged.setdefault(name, []).append(name in shown)
    return {name: round(sum(d) / len(d), 3) for name, d in sorted(judged.items())}


def standard_fail_rates(report: Report) -> dict[str, float]:
    """Per referee standard: reps that failed it / reps with a pass or fail call on it."""
    called: dict[str, list[bool]] = {}
    for rep in report.reps:
        for name, c in (rep.standards or {}).items():
            if c.get("call") in ("pass", "fail"):
                called.setdefault(name, []).append(c["call"] == "fail")
    return {name: round(sum(d) / len(d), 3) for name, d in sorted(called.items())}


def set_trend(session_id: int, recorded_at: datetime, report: Report) -> SetTrend:
    lift = report.lift.get("label")
    joint = MAIN_JOINT.get(lift or "")
    rom = _mean([r.metrics.get(f"rom_{joint}_deg") for r in report.reps]) if joint else None
    speed = _mean([r.metrics.get("mean_concentric_speed_bh_s") for r in report.reps])
    bar_v = _mean([r.metrics.get("bar_mean_velocity_m_s") for r in report.reps])
    loss = report.extras.get("velocity_loss_pct")  # absent in reports saved before the barbell stage
    lights = [referee_light(r.standards) for r in report.reps if r.standards]
    return SetTrend(session_id, recorded_at, lift, report.rep_count, rom, joint, speed, fault_rates(report),
                    bar_v, None if loss is None else round(float(loss), 1), standard_fail_rates(report),
                    (lights.count("red"), sum(x is not None for x in lights)))


LIFT_NAMES = {lift: words.capitalize() for lift, words in LIFT_WORDS.items()}  # "Bench press"
UNKNOWN_LIFT = "Lift not recognised"  # sets whose lift the analysis could not name
# One strong colour per line, each >= 3:1 on white (WCAG 1.4.11, graphics), none pale or grey, so a line reads
# on a laptop and on a washed-out projector; fault lines take the next colours in order.
TREND_COLOR = "#1f5f99"  # dark blue, 6.6:1 on white
FAULT_COLORS = ("#c0392b", "#1f5f99", "#8e44ad", "#b35900", "#117a65", "#a61e6b", "#2d3a8c", "#6b4f00")
LINE_WIDTH_PX = 3
MARKER_PX = 10


@dataclass(frozen=True)
class TrendChart:
    """One small chart of a lift's trends: a value per set, plotted in set order."""

    key: str
    title: str
    y_title: str  # with unit
    value: Callable[[SetTrend], float | None]
    hover: str  # Plotly format of the y value, with unit
    only_if_measured: bool = False  # drawn only when some set has a value (the tracked barbell)


TREND_CHARTS = (
    TrendChart("reps", "Reps per set", "Reps (count)", lambda t: t.rep_count, "%{y:.0f} reps"),
    TrendChart("rom", "Range of motion of the main joint", "Range of motion (°)", lambda t: t.rom_deg,
               "%{y:.0f}°"),
    TrendChart("speed", "Speed estimate (up phase)", "Body heights/s", lambda t: t.speed_bh_s, "%{y:.2f} bh/s"),
    TrendChart("bar_velocity", "Bar mean velocity (tracked barbell)", "m/s", lambda t: t.bar_velocity_m_s,
               "%{y:.2f} m/s", only_if_measured=True),
    TrendChart("velocity_loss", "Bar velocity loss over the set", "Loss from fastest rep (%)",
               lambda t: t.velocity_loss_pct, "%{y:.0f} %", only_if_measured=True),
)


def lift_name(lift: str | None) -> str:
    return LIFT_NAMES.get(lift or "", lift.capitalize() if lift else UNKNOWN_LIFT)


def by_lift(trends: Sequence[SetTrend]) -> dict[str, list[SetTrend]]:
    """The sets of each lift (name as shown), in time order, lifts in order of their first set: a squat and a
    deadlift are never points of one line."""
    out: dict[str, list[SetTrend]] = {}
    for t in sorted(trends, key=lambda t: (t.recorded_at, t.session_id)):
        out.setdefault(lift_name(t.lift), []).append(t)
    return out


def set_order_labels(trends: Sequence[SetTrend]) -> list[str]:
    """One x-axis label per set, in set order: its number and date ("#12<br>03 Mar", the year too when the sets
    span more than one), so six sets of one day are six evenly spaced points, not a vertical line at one date."""
    day = "%d %b %Y" if len({t.recorded_at.year for t in trends}) > 1 else "%d %b"
    return [f"#{t.session_id}<br>{t.recorded_at.strftime(day)}" for t in trends]


def _set_axis(fig: go.Figure, labels: list[str]) -> None:
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, title_text="Set (number, date)",
                     tickfont={"size": 13})


def trend_figures(trends: Sequence[SetTrend], height: int = 240) -> list[tuple[str, go.Figure]]:
    """(key, chart) for one lift's sets, in ``TREND_CHARTS`` order and then the fault rates: each chart with its
    own title and, for the fault rates only, its own legend. Call once per lift (``by_lift``)."""
    labels = set_order_labels(trends)
    hover = [f"set #{t.session_id}, {t.recorded_at:%d %b %Y %H:%M}" for t in trends]
    lifts = {t.lift for t in trends}
    joint = MAIN_JOINT.get(next(iter(lifts)) or "") if len(lifts) == 1 else None
    out = []
    for chart in TREND_CHARTS:
        y = [chart.value(t) for t in trends]
        if chart.only_if_measured and all(v is None for v in y):
            continue
        title = f"{joint.capitalize()} range of motion" if chart.key == "rom" and joint else chart.title
        fig = go.Figure(go.Scatter(x=labels, y=y, mode="lines+markers", name=title, customdata=hover,
                                   line={"color": TREND_COLOR, "width": LINE_WIDTH_PX},
                                   marker={"size": MARKER_PX, "color": TREND_COLOR}, connectgaps=True,
                                   hovertemplate="%{customdata}<br>" + chart.hover + "<extra></extra>"))
        fig.update_yaxes(title_text=chart.y_title, rangemode="tozero")
        _set_axis(fig, labels)
        out.append((chart.key, finish_layout(fig, height, title, left=70, bottom=80)))
    failed = [n for n in sorted({n for t in trends for n in t.standard_fail_rate})
              if any(t.standard_fail_rate.get(n) for t in trends)]
    if failed:  # the referee standards a rep failed, set by set
        fig = go.Figure()
        for i, name in enumerate(failed):
            color = FAULT_COLORS[i % len(FAULT_COLORS)]
            title = STANDARD_ROWS[name].title if name in STANDARD_ROWS else name
            fig.add_trace(go.Scatter(
                x=labels, y=[None if name not in t.standard_fail_rate else 100 * t.standard_fail_rate[name]
                             for t in trends],
                mode="lines+markers", name=title, customdata=hover, connectgaps=True,
                line={"color": color, "width": LINE_WIDTH_PX}, marker={"size": MARKER_PX, "color": color},
                hovertemplate="%{customdata}<br>" + title + " failed: %{y:.0f} % of called reps<extra></extra>"))
        fig.update_yaxes(title_text="Called reps that failed (%)", range=[0, 105])
        _set_axis(fig, labels)
        one = STANDARD_ROWS[failed[0]].title if failed[0] in STANDARD_ROWS else failed[0]
        title = "Referee standards failed" if len(failed) > 1 else f"Referee standard failed: {one}"
        out.append(("standards", finish_layout(fig, height, title, legend=len(failed) > 1, left=70, bottom=80)))
    faults = [n for n in sorted({n for t in trends for n in t.fault_rate}) if any(t.fault_rate.get(n) for t in trends)]
    if faults:
        fig = go.Figure()
        for i, name in enumerate(faults):
            color = FAULT_COLORS[i % len(FAULT_COLORS)]
            fig.add_trace(go.Scatter(
                x=labels, y=[None if name not in t.fault_rate else 100 * t.fault_rate[name] for t in trends],
                mode="lines+markers", name=fault_title(name), customdata=hover, connectgaps=True,
                line={"color": color, "width": LINE_WIDTH_PX}, marker={"size": MARKER_PX, "color": color},
                hovertemplate="%{customdata}<br>" + fault_title(name) + ": %{y:.0f} % of reps<extra></extra>"))
        fig.update_yaxes(title_text="Reps with the fault (%)", range=[0, 105])
        _set_axis(fig, labels)
        out.append(("faults", finish_layout(fig, height, "Fault rate per fault", legend=True, left=70, bottom=80)))
    return out


NOT_MEASURED = "—"  # shown in the sets table where a set has no value (see TABLE_NOTE)
TABLE_NOTE = ("— = not measured in that set: range of motion needs a recognised lift, bar velocity a tracked "
              "barbell, velocity loss at least two reps with a bar velocity; no fault seen reads \"none\".")


def _num(value: float | None, digits: int) -> str:
    return NOT_MEASURED if value is None else f"{value:.{digits}f}"


def trend_rows(trends: Sequence[SetTrend]) -> list[dict[str, str]]:
    """The sets table, one row per set, every cell as shown: numbers rounded to what they can tell, a dash where
    nothing was measured (never "None"), and every fault seen with its share of reps."""
    return [{
        "Set": f"#{t.session_id}", "Date (UTC)": t.recorded_at.strftime("%Y-%m-%d %H:%M"), "Lift": lift_name(t.lift),
        "Reps": str(t.rep_count), "ROM (°)": _num(t.rom_deg, 0), "Speed est. (body heights/s)": _num(t.speed_bh_s, 2),
        "Bar velocity (m/s)": _num(t.bar_velocity_m_s, 2), "Velocity loss (%)": _num(t.velocity_loss_pct, 0),
        "Red lights": f"{t.red_lights[0]} of {t.red_lights[1]}" if t.red_lights[1] else NOT_MEASURED,
        "Faults (share of reps)": "; ".join(f"{fault_title(k)} {v:.0%}" for k, v in t.fault_rate.items() if v)
        or "none",
    } for t in trends]
