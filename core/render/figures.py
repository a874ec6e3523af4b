"""Plotly figures built from a Report (no Streamlit here, so the CLI and tests can build them too)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.judgment.reading import read_rep, rep_status
from core.report import Report
from core.skeleton import LIFT_JOINTS

ANGLE_COLORS = {"hip": "#1f77b4", "knee": "#ff7f0e", "elbow": "#2ca02c", "trunk_lean": "#9467bd",
                "shin": "#8c564b", "neck": "#e377c2", "shoulder": "#17becf"}
ANGLE_LABELS = {"hip": "Hip", "knee": "Knee", "elbow": "Elbow", "trunk_lean": "Trunk lean",
                "shin": "Shin", "neck": "Neck", "shoulder": "Shoulder"}
DEFAULT_JOINTS = ("hip", "knee", "trunk_lean")  # lift unknown or unsure


# Chart layout, shared by every figure (finish_layout): Plotly draws its mode bar (zoom, download, ...) in the
# figure's top-right corner, over whatever sits there, and Streamlit shows it on hover; a title drawn under it, or
# a legend pushed against an axis title, was unreadable (issue 25, item 8). Pixel sizes at Plotly's 12-16 px fonts.
MODEBAR_PX = 34  # px band at the top kept free for the mode bar (its 28 px icons + padding)
TITLE_LINE_PX = 24  # px per line of a 16 px chart title
LEGEND_ROW_PX = 24  # px per row of a horizontal legend (12 px labels)
LEGEND_ROW_CHARS = 70  # characters of legend labels that fit one row of a half-page chart (~560 px)
LEGEND_ITEM_CHARS = 6  # extra characters a legend entry takes (its line sample and gap)
INK = "#31333f"  # chart text (titles, ticks, legend): the light theme's text colour, 12.6:1 on white


def finish_layout(fig: go.Figure, height: int, title: str | None = None, legend: bool = False,
                  left: int = 60, bottom: int = 50) -> go.Figure:
    """The one layout of every FormLens chart: the mode bar alone in a top band, then the title (left-aligned,
    ``<br>`` for a second line), then the legend as rows just above the plot area, never on an axis title."""
    lines = title.count("<br>") + 1 if title else 0
    labels = [str(t.name or "") for t in fig.data if t.showlegend is not False and t.name] if legend else []
    chars = sum(len(x) + LEGEND_ITEM_CHARS for x in labels)
    rows = 0 if not labels else -(-chars // LEGEND_ROW_CHARS)
    top = MODEBAR_PX + lines * TITLE_LINE_PX + rows * LEGEND_ROW_PX + 8
    fig.update_layout(height=height + top, margin={"l": left, "r": 20, "t": top, "b": bottom},
                      showlegend=bool(labels),
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                              "yref": "paper", "font": {"color": INK, "size": 13}})
    fig.update_xaxes(tickfont={"color": INK}, title_font={"color": INK})
    fig.update_yaxes(tickfont={"color": INK}, title_font={"color": INK})
    if title:
        fig.update_layout(title={"text": title, "x": 0, "xref": "paper", "xanchor": "left", "y": 1.0,
                                 "yref": "container", "yanchor": "top", "pad": {"t": MODEBAR_PX},
                                 "font": {"size": 16, "color": INK}})
    return fig


def lift_joints(report: Report) -> tuple[str, ...]:
    """The lift's own joints (``LIFT_JOINTS``); an unknown or unsure lift gets ``DEFAULT_JOINTS``."""
    return LIFT_JOINTS.get(str(report.lift.get("label")), DEFAULT_JOINTS)


def rep_of_time(report: Report, t: float) -> str:
    for r in report.reps:
        if r.start_s <= t <= r.end_s:
            return f"Rep {r.index + 1}"
    return "between reps"


def angle_timeline(report: Report, angles: tuple[str, ...] | None = None, height: int = 420) -> go.Figure:
    """Joint angles (deg) over time (s) with shaded rep bands; a per-frame good/bad strip below when scored.
    ``angles`` defaults to the lift's own joints."""
    angles = angles or lift_joints(report)
    series = report.series
    t = series.get("t", [])
    calls = any(r.standards for r in report.reps)  # the strip shows the calls; old reports: per-frame scores
    scores = None if calls else report.extras.get("frame_scores")
    rows = 2 if (scores or calls) else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=[0.82, 0.18] if rows == 2 else [1.0])
    reps_label = [rep_of_time(report, x) for x in t]
    for name in angles:
        if name not in series:
            continue
        fig.add_trace(go.Scatter(
            x=t, y=series[name], mode="lines", name=ANGLE_LABELS.get(name, name),
            line={"color": ANGLE_COLORS.get(name), "width": 2}, customdata=reps_label,
            hovertemplate="%{customdata}<br>t = %{x:.2f} s<br>" + ANGLE_LABELS.get(name, name)
            + " = %{y:.0f}°<extra></extra>"), row=1, col=1)
    for r in report.reps:
        fig.add_vrect(x0=r.start_s, x1=r.end_s, fillcolor=STATUS_COLORS[rep_status(read_rep(r))],
                      opacity=0.10, line_width=0, row=1, col=1,
                      annotation_text=f"Rep {r.index + 1}", annotation_position="top left")
        fig.add_vline(x=r.turn_s, line_dash="dot", line_color="#555", row=1, col=1)
    if calls:
        _add_call_strip(fig, report)
    elif scores:
        _add_score_strip(fig, t, scores)
    fig.update_yaxes(title_text="Angle (°)", row=1, col=1)
    fig.update_xaxes(title_text="Time (s)", row=rows, col=1)
    fig.update_layout(hovermode="closest")
    return finish_layout(fig, height, legend=True)


STATUS_COLORS = {"red": "#d62728", "white": "#2ca02c", "unjudged": "#bbbbbb"}  # core.judgment.reading.rep_status


def _call_reason(rep) -> str:
    """Hover text of a rep on the strip: its light or status and the reasons of what failed."""
    reading = read_rep(rep)
    head = {"red": "red light" if reading.light == "red" else "a fault was found", "white": "white light",
            "unjudged": "no light (a standard could not be seen or was too close to call)"}[rep_status(reading)]
    why = [f"{c.title}: {c.why}" for c in reading.failed]
    why += [str(f.get("title") or f["name"]).replace("_", " ") for f in reading.faults]
    return f"Rep {reading.rep}: {head}" + ("<br>" + "<br>".join(why) if why else "")


def _add_call_strip(fig: go.Figure, report: Report) -> None:
    """One bar per rep coloured by its calls (core.judgment.reading.rep_status); hover gives the reasons."""
    reps = list(report.reps)
    fig.add_trace(go.Bar(x=[(r.start_s + r.end_s) / 2 for r in reps], width=[r.end_s - r.start_s for r in reps],
                         y=[1] * len(reps), marker={"color": [STATUS_COLORS[rep_status(read_rep(r))] for r in reps],
                                                    "line": {"width": 0}},
                         customdata=[_call_reason(r) for r in reps], hovertemplate="%{customdata}<extra></extra>",
                         name="Calls per rep", showlegend=False), row=2, col=1)


def _add_score_strip(fig: go.Figure, t: list, scores: dict) -> None:
    """Per-frame good/bad probability as coloured bars; hover gives the reason."""
    p_bad = scores.get("p_bad", [])
    reasons = scores.get("reason", [""] * len(p_bad))
    colors = ["#bbbbbb" if p is None else ("#d62728" if p >= 0.5 else "#2ca02c") for p in p_bad]
    fig.add_trace(go.Bar(x=t[:len(p_bad)], y=[1] * len(p_bad), marker={"color": colors, "line": {"width": 0}},
                         customdata=[[("n/a" if p is None else f"{p:.0%}"), r]
                                     for p, r in zip(p_bad, reasons, strict=False)],
                         hovertemplate=("t = %{x:.2f} s<br>P(bad form) = %{customdata[0]}<br>%{customdata[1]}"
                                        "<extra></extra>"),
                         name="Good/bad per frame", showlegend=False), row=2, col=1)
    fig.update_yaxes(showticklabels=False, title_text="Form", row=2, col=1, range=[0, 1])
    fig.update_layout(bargap=0)


def bar_block(report: Report) -> dict | None:
    """The report's tracked-bar block, or None (old reports, no bar seen)."""
    bar = report.extras.get("bar")
    if not isinstance(bar, dict) or not any(v is not None for v in bar.get("x", [])):
        return None
    return bar


def bar_paths_figure(report: Report) -> go.Figure | None:
    """Tracked bar-end path (x-y) of each rep, in cm from the rep's start when a ruler is known, else px."""
    bar = bar_block(report)
    if bar is None or not report.reps:
        return None
    t, xs, ys = bar["t"], bar["x"], bar["y"]
    mpp = (bar.get("scale") or {}).get("m_per_px")
    unit = "cm" if mpp else "px"
    k = mpp * 100 if mpp else 1.0
    t0 = t[0] if t else 0.0
    fig = go.Figure()
    for r in report.reps:
        pts = [(x, y) for tt, x, y in zip(t, xs, ys, strict=False)
               if x is not None and y is not None and r.start_s <= tt - t0 <= r.end_s]
        if len(pts) < 2:
            continue
        x0, y0 = pts[0]
        fig.add_trace(go.Scatter(x=[(x - x0) * k for x, _ in pts], y=[(y0 - y) * k for _, y in pts],
                                 mode="lines", name=f"Rep {r.index + 1}"))
    if not fig.data:
        return None
    fig.update_xaxes(title_text=f"Forward / back ({unit})", scaleanchor="y")
    fig.update_yaxes(title_text=f"Up ({unit})")
    return finish_layout(fig, 330, "Bar path per rep (tracked barbell)", legend=True)


def velocity_figure(report: Report) -> go.Figure | None:
    """Mean concentric bar velocity per rep (m/s), with the set's velocity loss from the fastest rep."""
    v = [r.metrics.get("bar_mean_velocity_m_s") for r in report.reps]
    if not any(x is not None for x in v):
        return None
    labels = [f"Rep {r.index + 1}" for r in report.reps]
    shown = [f"{x:.2f} m/s" if x is not None else "not measured" for x in v]
    fig = go.Figure(go.Bar(x=labels, y=[x if x is not None else 0 for x in v], text=shown, textposition="outside",
                           marker={"color": "#1f77b4"}, hovertemplate="%{x}: %{text}<extra></extra>"))
    loss = report.extras.get("velocity_loss_pct")
    note = ((report.extras.get("bar") or {}).get("scale") or {}).get("estimate_note")
    title = "Mean concentric bar velocity per rep" + (" (estimate)" if note else "")
    if loss is not None:
        title += f"<br>velocity loss {loss:.0f} % from the fastest rep"
    fig.update_yaxes(title_text="m/s", rangemode="tozero")
    return finish_layout(fig, 300, title, bottom=40)
