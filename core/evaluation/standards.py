"""``python -m core evaluate standards``: the referee standards (core.judgment.standards) against the per-rep labels.

Labels: ``data/real/labels/rep_labels.csv`` (see that folder's README): per rep ``bottom_s``, ``top_s``, depth,
lockout, bar moving down in the ascent, pause. ``parallel``, ``cant_see``, ``cant_tell`` and ``disputed`` (and an
empty cell) are no ground truth. Every labelled rep is judged twice:

- **detected**: on the pipeline's own rep whose top is within ``MATCH_S`` of the labelled ``top_s`` (no such rep:
  ``no_rep``), so the counter's errors show;
- **window**: on the labelled bottom/top times themselves, so the judging is scored apart from the counter.

The lift is the manifest's (``lift_override``): the standards are scored apart from lift recognition too.
Nothing in the standards is fitted here (fixed thresholds, core.judgment.standards.STANDARDS), so a
leave-one-source-out split would score the same calls; the per-source table shows how they spread instead. The
pause's still speed was picked leave-one-source-out on the pause labels by ``python -m bench.accuracy.pause_still``.

Clear ``above`` depths and ``lockout = no`` are rare in the real labels, so the judging is also shown on
**derived** reps (real reps edited: a squat's bottom cut out, a stop short of lockout, a hitch replayed, a pause
inserted) and **simulated** ones (core.judgment.learned.sim), each marked as such.
"""

from __future__ import annotations

import csv
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.config import AnalysisConfig
from core.errors import FormLensError
from core.evaluation.clips import load_trace, read_manifest, source_of
from core.judgment.standards import CALLS, SetContext, judge_set, standards_for
from core.perception.bar.measure import on_grid
from core.perception.bar.types import BarTrack
from core.perception.trace_file import trace_in
from core.types import KeypointSeries, Rep

MATCH_S = 0.5  # s; a detected rep matches a labelled one when its top is this close to the labelled top_s
WINDOW_BEFORE_S = 1.5  # s before a squat/bench bottom (or after a deadlift top) the labelled window reaches
# label column and the value that means pass / fail for each standard; anything else is no ground truth
TRUTH: dict[str, tuple[str, dict[str, str]]] = {
    "depth": ("depth", {"below": "pass", "above": "fail"}),
    "lockout": ("lockout", {"yes": "pass", "no": "fail"}),
    "bar_down": ("bar_down_in_ascent", {"no": "pass", "yes": "fail"}),
    "pause": ("pause", {"yes": "pass", "no": "fail"}),
}
NO_REP = "no_rep"  # the counter found no rep matching the labelled one
COLUMNS = (*CALLS, NO_REP)


@dataclass(frozen=True)
class Judged:
    """One standard on one labelled (or derived) rep."""

    stem: str
    source: str
    lift: str
    view: str  # the manifest's camera view (or "derived"/"simulated: ..." for section 4)
    rep: int
    standard: str
    truth: str | None  # "pass" | "fail" | None (no ground truth)
    detected: str  # the call on the pipeline's matched rep, or NO_REP
    window: str  # the call on the labelled window
    value: float | None = None  # the window call's value
    label: str = ""  # the label cell as written (below, parallel, cant_see, ...; "" = empty or derived)


def read_labels(shared_real: Path) -> dict[str, list[dict[str, str]]]:
    by_clip: dict[str, list[dict[str, str]]] = defaultdict(list)
    with open(shared_real / "labels" / "rep_labels.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            by_clip[Path(row["file"]).stem].append(row)
    return dict(by_clip)


def truth_of(standard: str, row: dict[str, str]) -> str | None:
    if standard not in TRUTH:
        return None
    col, values = TRUTH[standard]
    return values.get(row.get(col, "").strip())


def _idx(t: float, t0: float, fps: float, n: int) -> int:
    return int(np.clip(round((t - t0) * fps), 0, n - 1))


BOTTOM_SEARCH_S = 3.0  # s before a labelled top searched for the bottom when a label gives only the top
LIFT_JOINT = {"deadlift": "hip", "squat": "knee", "bench": "elbow"}  # the joint whose lowest angle is the bottom
# (deadlift: lift-off) and whose best is the top


def labelled_reps(lift: str, rows: list[dict[str, str]], t0: float, fps: float, n: int, angles=None) -> list[Rep]:
    """The labelled reps as Reps on the analysis grid: squat/bench start before the bottom (at most
    WINDOW_BEFORE_S, never before the previous top), turn at the bottom, end at the top; deadlift start at
    lift-off, turn at lockout, end up to WINDOW_BEFORE_S later (never past the next lift-off). A label with only
    ``top_s`` gets its bottom where the lift's joint (LIFT_JOINT, from ``angles``) is lowest in the
    BOTTOM_SEARCH_S before the top (after the previous top); without ``angles`` such a rep is left out."""
    out = []
    tops = [float(r["top_s"]) for r in rows]
    for i, r in enumerate(rows):
        t = tops[i]
        if r.get("bottom_s", "").strip():
            b = float(r["bottom_s"])
        elif angles is not None:
            lo = max(t - BOTTOM_SEARCH_S, tops[i - 1] if i else t - BOTTOM_SEARCH_S)
            a, z = _idx(lo, t0, fps, n), _idx(t, t0, fps, n)
            seg = angles[LIFT_JOINT[lift]][a:z + 1]
            b = t0 + (a + int(np.nanargmin(seg))) / fps if np.isfinite(seg).any() else t - 1.0
        else:
            continue
        if lift == "deadlift":
            nxt = float(rows[i + 1]["bottom_s"]) if i + 1 < len(rows) and rows[i + 1].get("bottom_s", "").strip() \
                else t + WINDOW_BEFORE_S
            s, turn, e = _idx(b, t0, fps, n), _idx(t, t0, fps, n), _idx(min(t + WINDOW_BEFORE_S, nxt), t0, fps, n)
        else:
            prev = tops[i - 1] if i else b - WINDOW_BEFORE_S
            s, turn, e = _idx(max(b - WINDOW_BEFORE_S, prev), t0, fps, n), _idx(b, t0, fps, n), _idx(t, t0, fps, n)
        turn = min(max(turn, s), e)
        out.append(Rep(i, s, turn, e))
    return out


TOP_REACHED_DEG = 5.0  # deg; the top is reached where the lift's joint first gets this close to its best


def detected_top(lift: str, rep: Rep, angles, fps: float) -> float:
    """When a detected rep reaches its top (s from the series start): the first sample where the lift's joint
    (deadlift hip, squat knee, bench elbow) gets within TOP_REACHED_DEG of its best in the lifting phase (a
    deadlift's turn is where the hip angle peaks, often a second after lockout; a squat's or bench's end is where
    the counter's signal re-enters its rest zone, before the lifter stands tall)."""
    joint = LIFT_JOINT[lift]
    a, b = (rep.start, rep.turn) if lift == "deadlift" else (rep.turn, min(len(angles.times) - 1,
                                                                            rep.end + int(round(0.6 * fps))))
    x = angles[joint][a:b + 1]
    if not np.isfinite(x).any():
        return (rep.turn if lift == "deadlift" else rep.end) / fps
    i = int(np.flatnonzero(x >= np.nanmax(x) - TOP_REACHED_DEG)[0])
    return (a + i) / fps


def judge_clip(stem: str, row: dict[str, str], labels: list[dict[str, str]], trace, config: AnalysisConfig
               ) -> tuple[list[Judged], str | None]:
    """Both judgings of one clip's labelled reps; (rows, refusal message or None)."""
    from core.pipeline import analyze_trace

    lift, view = row["lift"], row["view"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            a = analyze_trace(trace, config, lift_override=lift)
    except FormLensError as err:
        return [], str(err)
    t0 = float(trace.times[0]) if len(trace.times) else 0.0
    n, fps = a.series.n_frames, a.series.fps
    ctx = SetContext(lift, a.series, a.report.view["label"], a.bar, a.angles, lift == "deadlift",
                     config.bar_plate_diameter_m, config.user_height_m, config.standard_pause_s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        window = judge_set(ctx, labelled_reps(lift, labels, t0, fps, n, a.angles))
    out = []
    for k, (lab, win) in enumerate(zip(labels, window, strict=True)):
        top = float(lab["top_s"]) - t0
        gap = {i: abs(detected_top(lift, r, a.angles, fps) - top) for i, r in enumerate(a.reps)}
        best = min(gap, key=gap.get) if gap else None
        match = a.report.reps[best] if best is not None and gap[best] <= MATCH_S else None
        for std in standards_for(lift):
            det = match.standards.get(std.name, {}).get("call", "cant_see") if match is not None else NO_REP
            c = win.standards[std.name]
            out.append(Judged(stem, source_of(stem), lift, view, k + 1, std.name, truth_of(std.name, lab), det,
                              c.call, c.value, lab.get(TRUTH[std.name][0], "").strip() if std.name in TRUTH
                              else ""))
    return out, None


def _trace(shared_real: Path, row: dict[str, str], config: AnalysisConfig, traces_dir: Path | None, cache: dict):
    """The trace file in ``traces_dir``, else every perception pass of the pipeline run now (pose, scene cuts
    and the barbell: the bar standards need the bar track, which core.evaluation.clips.load_trace leaves out)."""
    if traces_dir is not None:
        return load_trace(shared_real, row, config, traces_dir, cache)
    if "backend" not in cache:
        from core.perception.pose import load_backend

        cache["backend"] = load_backend(config)
    from core.pipeline import trace_video

    return trace_video(shared_real / row["file"], cache["backend"], config, lambda _f, _s: None)


def evaluate_clips(shared_real: Path, traces_dir: Path | None, config: AnalysisConfig,
                   log: Callable[[str], None] = print, only: Sequence[str] | None = None, derived: bool = True
                   ) -> tuple[list[Judged], list[str], list[Judged]]:
    """(judged labelled reps, notes on clips left out, derived reps) over every labelled clip, or those whose
    stem or source is in ``only``."""
    labels = read_labels(shared_real)
    manifest = {Path(r["file"]).stem: r for r in read_manifest(shared_real)}
    rows: list[Judged] = []
    extra: list[Judged] = []
    notes: list[str] = []
    cache: dict = {}
    for stem, labs in labels.items():
        if only and stem not in only and source_of(stem) not in only:
            continue
        if stem not in manifest:
            notes.append(f"{stem}: labelled but not in the manifest")
            continue
        if traces_dir is not None and not trace_in(traces_dir, stem).is_file():
            notes.append(f"{stem}: no trace in {traces_dir} ({len(labs)} labelled reps left out)")
            continue
        log(f"standards: {stem}")
        trace = _trace(shared_real, manifest[stem], config, traces_dir, cache)
        try:
            judged, refusal = judge_clip(stem, manifest[stem], labs, trace, config)
            if derived and refusal is None:
                extra += derived_for_clip(stem, manifest[stem], labs, trace, config)
        except (ValueError, KeyError, IndexError) as err:  # a malformed label row: reported, the sweep goes on
            notes.append(f"{stem}: could not be scored ({type(err).__name__}: {err})")
            continue
        if refusal:
            notes.append(f"{stem}: refused ({refusal})")
        rows += judged
    return rows, notes, extra


# --- tables -------------------------------------------------------------------------------

def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)" if n else "-"


def agreement(rows: list[Judged], which: str) -> tuple[int, int, int, int]:
    """(right, decided, borderline, with truth): right among pass/fail calls on reps with ground truth."""
    truth = [r for r in rows if r.truth is not None]
    calls = [getattr(r, which) for r in truth]
    decided = [(r, c) for r, c in zip(truth, calls, strict=True) if c in ("pass", "fail")]
    return (sum(c == r.truth for r, c in decided), len(decided), sum(c == "borderline" for c in calls), len(truth))


def confusion(rows: list[Judged], which: str) -> list[str]:
    lines = ["| truth \\ call | " + " | ".join(COLUMNS) + " |", "|---|" + "---|" * len(COLUMNS)]
    for t in ("pass", "fail"):
        c = Counter(getattr(r, which) for r in rows if r.truth == t)
        lines.append(f"| {t} | " + " | ".join(str(c.get(k, 0)) for k in COLUMNS) + " |")
    c = Counter(getattr(r, which) for r in rows if r.truth is None)
    lines.append("| no truth | " + " | ".join(str(c.get(k, 0)) for k in COLUMNS) + " |")
    return lines


def coverage_table(rows: list[Judged], key: Callable[[Judged], str], title: str) -> list[str]:
    """Share of labelled reps with a call other than cant_see (and, detected, a matched rep), per group."""
    names = sorted({r.standard for r in rows})
    lines = [f"| {title} | " + " | ".join(f"{n} (window / detected)" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for g in sorted({key(r) for r in rows}):
        cells = []
        for n in names:
            rs = [r for r in rows if key(r) == g and r.standard == n]
            if not rs:
                cells.append("")
                continue
            w = sum(r.window not in ("cant_see",) for r in rs)
            d = sum(r.detected not in ("cant_see", NO_REP) for r in rs)
            cells.append(f"{_pct(w, len(rs))} / {_pct(d, len(rs))}")
        lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return lines


def standard_section(rows: list[Judged], name: str) -> list[str]:
    rs = [r for r in rows if r.standard == name]
    out = [f"### {name}", ""]
    for which in ("window", "detected"):
        right, decided, border, n = agreement(rs, which)
        fails = [r for r in rs if r.truth == "fail"]
        recall = _pct(sum(getattr(r, which) == "fail" for r in fails), len(fails))
        pass_on_fail = sum(getattr(r, which) == "pass" for r in fails)
        out.append(f"- **{which}**: agreement {_pct(right, decided)} of pass/fail calls on {n} reps with ground "
                   f"truth ({border} borderline); fail recall {recall}; pass on a labelled fail: {pass_on_fail}")
    out += ["", "window:", "", *confusion(rs, "window"), "", "detected:", "", *confusion(rs, "detected"), ""]
    return out


def per_label(rows: list[Judged], name: str) -> list[str]:
    """The window / detected calls of one standard per label value as written (the no-truth values apart):
    a label of ``parallel`` should draw ``borderline``, not a confident call."""
    rs = [r for r in rows if r.standard == name]
    lines = ["| label | reps | " + " | ".join(COLUMNS) + " |", "|---|---|" + "---|" * len(COLUMNS)]
    for lab in sorted({r.label for r in rs}):
        g = [r for r in rs if r.label == lab]
        w, d = Counter(r.window for r in g), Counter(r.detected for r in g)
        lines.append(f"| {lab or '(empty)'} | {len(g)} | "
                     + " | ".join(f"{w.get(k, 0)} / {d.get(k, 0)}" for k in COLUMNS) + " |")
    return lines


def per_source(rows: list[Judged]) -> list[str]:
    names = sorted({r.standard for r in rows})
    lines = ["| source | " + " | ".join(f"{n} agreement (window / detected)" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for src in sorted({r.source for r in rows}):
        cells = []
        for n in names:
            rs = [r for r in rows if r.source == src and r.standard == n]
            a, b = agreement(rs, "window"), agreement(rs, "detected")
            cells.append(f"{_pct(a[0], a[1])} / {_pct(b[0], b[1])}" if a[3] else "no truth" if rs else "")
        lines.append(f"| {src} | " + " | ".join(cells) + " |")
    return lines


def report(rows: list[Judged], notes: list[str], derived: list[Judged], command: str) -> str:
    out = ["# Referee standards against the per-rep labels", "", f"Command: `{command}`", "",
           "Calls on reps whose label is `parallel`, `cant_see`, `cant_tell`, `disputed` or empty count for "
           "coverage only. Agreement = right calls among pass/fail calls (borderline counted apart). "
           "Nothing is fitted here (fixed thresholds in core.judgment.standards.STANDARDS), so "
           "leave-one-source-out equals the pooled numbers; the per-source table shows the spread. The one number "
           "picked on these labels, the pause's still speed, was picked leave-one-source-out by "
           "`python -m bench.accuracy.pause_still` (bench/results/pause_still.md).", ""]
    out += [f"{len({r.stem for r in rows})} clips, {len({(r.stem, r.rep) for r in rows})} labelled reps judged.", ""]
    for name in sorted({r.standard for r in rows}):
        out += standard_section(rows, name)
        out += [f"{name} calls per label value as written (window / detected):", "", *per_label(rows, name), ""]
    out += ["## Coverage per lift x view (manifest view)", "",
            *coverage_table(rows, lambda r: f"{r.lift} / {r.view}", "lift / view"), "",
            "## Coverage per source", "", *coverage_table(rows, lambda r: r.source, "source"), "",
            "## Agreement per source (leave-one-source-out: nothing fitted)", "", *per_source(rows), ""]
    if derived:
        out += ["## Derived and simulated reps (not real labels)", "",
                "Real reps edited so that the truth is known by construction, and simulated clips. The truth "
                "column is what the edit makes; `window` is the call on the edited rep.", "",
                "| case | standard | reps | truth | calls |", "|---|---|---|---|---|"]
        groups: dict[tuple[str, str, str | None], list[Judged]] = defaultdict(list)
        for r in derived:
            groups[(r.view, r.standard, r.truth)].append(r)
        for (case, std, truth), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][2]))):
            c = Counter(r.window for r in rs)
            out.append(f"| {case} | {std} | {len(rs)} | {truth} | "
                       + ", ".join(f"{k} {v}" for k, v in sorted(c.items())) + " |")
        out.append("")
    if notes:
        out += ["## Left out", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(out)


# --- derived and simulated reps --------------------------------------------------------------

def _bar_grid(a_bar: BarTrack | None, series: KeypointSeries) -> np.ndarray | None:
    return None if a_bar is None else on_grid(a_bar, series.n_frames, series.fps)


def _edited(series: KeypointSeries, bar_xy: np.ndarray | None, order: np.ndarray, plate_px: float | None
            ) -> tuple[KeypointSeries, BarTrack | None]:
    """The series (and bar) replayed in ``order`` (sample indices, repeats and reversals allowed)."""
    xyc = series.xyc[order]
    s = KeypointSeries(xyc, series.fps, series.width, series.height)
    if bar_xy is None:
        return s, None
    t = np.arange(len(order)) / series.fps
    return s, BarTrack(t, np.arange(len(order)), bar_xy[order], plate_px)


def derived_reps(stem: str, lift: str, series: KeypointSeries, bar: BarTrack | None, view: str, reps: list[Rep],
                 config: AnalysisConfig) -> list[Judged]:
    """Edited copies of real labelled reps whose truth is known by construction:

    - squat ``partial``: the bottom cut out where the hips are still DERIVED_ABOVE thigh lengths above the knees
      (descent replayed until then, then the ascent from the same height): depth truth fail;
    - squat/deadlift ``stop short``: the ascent stopped where the hip angle first reaches STOP_SHORT_HIP_DEG and
      that pose held 0.6 s, the clip ending there: lockout truth fail;
    - ``hitch``: mid-ascent, the motion replayed backwards until the bar sank HITCH_CM, then forwards again:
      bar_down truth fail;
    - squat ``bounce``: from the bottom, replayed until the hips rose BOUNCE_RISE, back down, then on:
      double_bounce truth fail;
    - bench ``paused``: the pose at the bar's lowest point held 0.6 s: pause truth pass.
    """
    out: list[Judged] = []
    fps = series.fps
    bar_xy = _bar_grid(bar, series)
    plate = None if bar is None else bar.plate_px
    base = SetContext(lift, series, view, bar, None, lift == "deadlift", config.bar_plate_diameter_m)
    n = series.n_frames

    def judge(case: str, order: np.ndarray, rep: Rep, standard: str, truth: str, k: int) -> None:
        s, b = _edited(series, bar_xy, order, plate)
        ctx = SetContext(lift, s, view, b, None, lift == "deadlift", config.bar_plate_diameter_m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            c = judge_set(ctx, [rep])[0].standards[standard]
        out.append(Judged(stem, source_of(stem), lift, f"derived: {case}", k, standard, truth, c.call, c.call,
                          c.value))

    for k, r in enumerate(reps, start=1):
        idx = np.arange(n)
        if lift == "squat":
            m = base.depth_margin
            down = [i for i in range(r.start, r.turn + 1) if np.isfinite(m[i]) and m[i] >= DERIVED_ABOVE]
            up = [i for i in range(r.turn, r.end + 1) if np.isfinite(m[i]) and m[i] >= DERIVED_ABOVE]
            if down and up and np.nanmax(m[r.start:r.end + 1]) > DERIVED_ABOVE + 0.15:
                i1, i2 = down[0], up[-1]
                order = np.r_[idx[:i1], idx[i2:]]
                judge("squat partial (bottom cut out)", order, Rep(r.index, r.start, i1, r.end - (i2 - i1)),
                      "depth", "fail", k)
            b0 = r.turn  # bounce: from the bottom forward until the hips rose BOUNCE_RISE, back down, then on
            depth = -base.hip_height
            rise = [i for i in range(b0, r.end + 1) if depth[i] <= depth[b0] - BOUNCE_RISE]
            if rise:
                c = rise[0]
                order = np.r_[idx[:c + 1], idx[b0:c][::-1], idx[b0:]]
                judge(f"squat bounce (hips back up {BOUNCE_RISE} thigh lengths and down again)", order,
                      Rep(r.index, r.start, b0, r.end + 2 * (c - b0) + 1), "double_bounce", "fail", k)
        if lift in ("squat", "deadlift"):
            a0, a1 = (r.start, r.turn) if lift == "deadlift" else (r.turn, r.end)
            hip = base.angles["hip"]
            reach = [i for i in range(a0, a1 + 1) if np.isfinite(hip[i]) and hip[i] >= STOP_SHORT_HIP_DEG]
            if reach and reach[0] > a0 + 2:
                c = reach[0]
                order = np.r_[idx[:c + 1], np.full(int(0.6 * fps), c)]
                end = len(order) - 1
                rep = Rep(r.index, r.start, min(end, c + int(0.3 * fps)), end) if lift == "deadlift" else \
                    Rep(r.index, r.start, r.turn, c)
                judge(f"{lift} stop short (hips at {STOP_SHORT_HIP_DEG:g}°)", order, rep, "lockout", "fail", k)
            mid_i = (a0 + a1) // 2  # hitch: mid-ascent replayed backwards until the bar sank HITCH_CM, then on
            if base.bar_xy is not None and base.m_per_px is not None:
                y = base.bar_xy[:, 1]
                back = [i for i in range(mid_i, a0, -1)
                        if np.isfinite(y[i]) and (y[i] - y[mid_i]) * base.m_per_px * 100 >= HITCH_CM]
                if back:
                    c = back[0]
                    order = np.r_[idx[:mid_i + 1], idx[c:mid_i][::-1], idx[c:]]
                    shift = 2 * (mid_i - c) + 1
                    rep = Rep(r.index, r.start, r.turn + shift * (lift == "deadlift"), r.end + shift)
                    judge(f"{lift} hitch (bar replayed {HITCH_CM:g} cm back down mid-ascent)", order, rep,
                          "bar_down", "fail", k)
        if lift == "bench":  # the hold at the lowest point of the bar (else the hands) in the labelled rep: a
            # label with only the top gets its bottom from the elbow angle, which can be a few samples off
            y, _ = base.bar_y(r.start, r.end)
            b0 = r.start + int(np.nanargmax(y)) if y is not None and np.isfinite(y).any() else r.turn
            order = np.r_[idx[:b0], np.full(int(0.6 * fps), b0), idx[b0:]]
            judge("bench paused (bottom held 0.6 s)", order, Rep(r.index, r.start, b0, r.end + int(0.6 * fps)),
                  "pause", "pass", k)
    return out


BOUNCE_RISE = 0.12  # thigh lengths (~5 cm) the hips rise and sink again in a derived double bounce
HITCH_CM = 5.0  # cm the bar sinks in a derived hitch (a visible hitch; the rule's threshold is 3 +- 1 cm)
STOP_SHORT_HIP_DEG = 140.0  # deg; a derived missed lockout stops where the hip angle first reaches this (40 deg short:
# plainly not locked, beyond the rule's 25 +- 8 deg band)
DERIVED_ABOVE = -0.3  # thigh lengths (hip ~13 cm above the knee on a 42 cm thigh): a clear partial squat


def simulated_reps(n_clips: int = 6) -> list[Judged]:
    """Simulated clips seen from near the side: squats deep (corr) and shallow (insufficient_depth), bench presses
    locked out (corr) and not (incomplete_lockout)."""
    from core.judgment.learned.sim import simulate
    from core.perception.view import estimate_view

    out: list[Judged] = []
    cases = (("squat", "corr", "depth", "pass"), ("squat", "insufficient_depth", "depth", "fail"),
             ("squat", "corr", "lockout", "pass"), ("bench", "corr", "lockout", "pass"),
             ("bench", "incomplete_lockout", "lockout", "fail"))
    for lift, form, std, truth in cases:
        for seed in range(n_clips):
            clip = simulate(lift, form=form, seed=seed, yaw_deg=float(np.random.default_rng(seed).uniform(-20, 20)))
            view = estimate_view(clip.series).label
            ctx = SetContext(lift, clip.series, view)
            reps = [Rep(i, *b) for i, b in enumerate(clip.rep_bounds)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                for k, j in enumerate(judge_set(ctx, reps), start=1):
                    c = j.standards[std]
                    out.append(Judged(f"sim{seed}", "sim", lift, f"simulated: {lift} {form}", k, std, truth,
                                      c.call, c.call, c.value))
    return out


def derived_for_clip(stem: str, row: dict[str, str], labels: list[dict[str, str]], trace, config: AnalysisConfig
                     ) -> list[Judged]:
    """Derived reps (:func:`derived_reps`) of a labelled side or angled clip's labelled reps."""
    from core.pipeline import analyze_trace

    if row["view"] not in ("side", "angled"):
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            a = analyze_trace(trace, config, lift_override=row["lift"])
    except FormLensError:
        return []
    t0 = float(trace.times[0]) if len(trace.times) else 0.0
    reps = labelled_reps(row["lift"], labels, t0, a.series.fps, a.series.n_frames, a.angles)
    return derived_reps(stem, row["lift"], a.series, a.bar, a.report.view["label"], reps, config)


def evaluate_standards(shared_real: Path, traces_dir: Path | None, config: AnalysisConfig | None = None,
                       log: Callable[[str], None] = print, command: str = "python -m core evaluate standards",
                       derived: bool = True, only: Sequence[str] | None = None) -> str:
    """The markdown report: every labelled clip (or ``only`` these stems/sources), derived and simulated reps."""
    config = config or AnalysisConfig()
    rows, notes, extra = evaluate_clips(shared_real, traces_dir, config, log, only, derived)
    if derived:
        extra += simulated_reps()
    return report(rows, notes, extra, command)
