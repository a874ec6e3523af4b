"""Judging by the fault table's rules: a measurement becomes a calibrated probability and a verdict (fault, fine,
not sure, cannot judge); every row of a lift runs on each rep behind the view and visibility gate; the whole-set
rows (stance width, lateral lean); and the per-frame good/bad strip from the rep verdicts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.judgment.calibration import probabilities, probability
from core.judgment.faults.geometry import MIN_CONFIDENCE, facing, nanmed, seen, spread, xy
from core.judgment.faults.measures import RepContext, fmt
from core.judgment.faults.table import ROWS, STANCE_NEUTRAL, FaultRow, confirmed, curve_of, faults_for, title_of
from core.movement.metrics import body_height_px
from core.perception.view import ViewEstimate
from core.skeleton import KEY_JOINTS
from core.types import AngleSeries, Fault, KeypointSeries, Rep

logger = logging.getLogger(__name__)

# --- verdicts from a calibrated probability (decision rule, not fitted) -------------------------
P_FAULT = 0.6  # p at or above: verdict "fault"
P_FINE = 0.3  # p at or below: verdict "fine"; between the two: "not sure"
P_CLEAR_FAULT = 0.85  # "clear" fault at or above
P_CLEAR_FINE = 0.1  # "clear" fine at or below; otherwise "likely"
TILT_NEUTRAL_DEG = 3.0  # |shoulder tilt| below this is labelled "neutral"


def verdict_fields(name: str, x: float | None, params: dict | None = None) -> dict:
    """verdict / p / confidence for a measurement (the one path the pipeline, live and the evaluation use)."""
    if x is None or not np.isfinite(x):
        return {"verdict": "cannot_judge", "p": None, "confidence": None}
    p = probability(curve_of(name, params), float(x))
    v = "fault" if p >= P_FAULT else "fine" if p <= P_FINE else "not_sure"
    if confirmed(name, params) is False:  # the labelled clips say this cue does not tell good from bad
        v = "not_sure"
    words = ("not sure" if v == "not_sure" else
             "clear" if (p >= P_CLEAR_FAULT or p <= P_CLEAR_FINE) else "likely")
    return {"verdict": v, "p": p, "confidence": words}


def ramp(x: float | np.ndarray, ok: float, bad: float) -> np.ndarray:
    """0 at ``ok``, 1 at ``bad`` (either direction), linear between, clipped; NaN stays NaN."""
    return np.clip((np.asarray(x, dtype=np.float64) - ok) / (bad - ok), 0.0, 1.0)


def not_judgeable(name: str, why: str) -> Fault:
    row = ROWS.get(name)
    return Fault(name, 0.0, False, why, judgeable=False, verdict="cannot_judge", p=None, confidence=None,
                 phase=row.phase if row else None, title=title_of(name))


def judged(name: str, x: float, evidence: str, label: str | None = None, params: dict | None = None,
           source: str = "rule") -> Fault:
    """A judged fault from a measurement: prior ramp score, calibrated p, verdict and words."""
    row = ROWS[name]
    vf = verdict_fields(name, x, params)
    if vf["verdict"] == "cannot_judge":
        return not_judgeable(name, evidence if evidence.startswith("can't") else f"can't judge: {evidence}")
    score = float(np.nan_to_num(ramp(x, row.threshold.ok, row.threshold.bad)))
    return Fault(name, round(score, 3), vf["verdict"] == "fault", evidence, True, source, label,
                 vf["verdict"], vf["p"], vf["confidence"], row.phase, row.title, float(x))


# --- judging ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleResult:
    """A fault plus its per-frame probabilities over the rep (for the good/bad strip).

    ``frame_score``: (end - start + 1,) in [0, 1] or NaN where the rule says nothing;
    ``frame_reason(i)`` explains sample ``start + i`` in words.
    """

    fault: Fault
    start: int
    frame_score: np.ndarray
    frame_reason: Callable[[int], str]


def gate(name: str, series: KeypointSeries, view: ViewEstimate, sl: slice) -> Fault | None:
    """A not-judgeable Fault when the view cannot show ``name`` or its joints are poorly seen, else None."""
    row = ROWS[name]
    if view.label not in row.views:
        return not_judgeable(name, f"can't judge this from this angle: the camera looks {view.label}-on, "
                                   f"and this needs a {' or '.join(row.views)} view")
    for base in row.needs:
        c = seen(series, base, sl, both=row.both_sides)
        if c < MIN_CONFIDENCE:
            return not_judgeable(name, f"can't judge: your {base}s are hard to see in this clip")
    return None


def _rule(row: FaultRow, ctx: RepContext, params: dict | None) -> RuleResult | Fault:
    m = row.measure(ctx)
    f = judged(row.name, m.value, m.evidence, params=params)
    if not f.judgeable:
        return f
    if m.frames is None:
        frame = np.full(ctx.rep.end - ctx.rep.start + 1, np.nan)
    else:
        p = probabilities(curve_of(row.name, params), np.asarray(m.frames, dtype=np.float64))
        if m.mask is not None:
            p = np.where(m.mask, p, np.nan)
        frame = p[ctx.span].copy()
    text = m.frame_text or (lambda v: "")
    values = m.frames
    return RuleResult(f, ctx.rep.start, frame,
                      lambda i: f"{row.title.lower()}? {text(float(values[ctx.rep.start + i]))}"
                      if values is not None else row.title.lower())


def judge_rep_detailed(lift: str | None, series: KeypointSeries, angles: AngleSeries, rep: Rep,
                       view: ViewEstimate, concentric_first: bool, style: str | None = None,
                       metrics: dict | None = None, params: dict | None = None) -> list[RuleResult | Fault]:
    """Every row of ``lift`` (and style) on one rep: a RuleResult when judged, a not-judgeable Fault otherwise.

    ``params``: calibration parameters (default: the committed ``models/fault_calibration.json``)."""
    rows = faults_for(lift, style)
    height = body_height_px(series)
    ctx = RepContext(series, angles, rep, facing(series), height, concentric_first, metrics, style)
    out: list[RuleResult | Fault] = []
    for row in rows:
        blocked = gate(row.name, series, view, ctx.span)
        if blocked is None and row.needs_body_height and not np.isfinite(height):
            blocked = not_judgeable(row.name, "can't judge: the lifter's body size could not be measured")
        if blocked is None:
            try:
                blocked = _rule(row, ctx, params)
            except (ValueError, IndexError) as err:  # a degenerate rep must not stop the other rules
                logger.debug("rule %s failed: %s", row.name, err)
                blocked = not_judgeable(row.name, "can't judge: this rep could not be measured")
        out.append(blocked)
    return out


def as_fault(item: RuleResult | Fault) -> Fault:
    return item.fault if isinstance(item, RuleResult) else item


def judge_rep(lift: str | None, series: KeypointSeries, angles: AngleSeries, rep: Rep, view: ViewEstimate,
              concentric_first: bool, style: str | None = None, metrics: dict | None = None) -> tuple[Fault, ...]:
    """The faults of one rep (see :func:`judge_rep_detailed`)."""
    return tuple(as_fault(x) for x in judge_rep_detailed(lift, series, angles, rep, view, concentric_first,
                                                          style, metrics))


# --- whole-set judgments: stance and lateral lean, against the lift and style done ------------

def _set_frames(series: KeypointSeries, reps: list[Rep]) -> slice | np.ndarray:
    if not reps:
        return slice(0, series.n_frames)
    m = np.zeros(series.n_frames, dtype=bool)
    for r in reps:
        m[r.start:r.end + 1] = True
    return m


def stance_width(lift: str | None, series: KeypointSeries, view: ViewEstimate, reps: list[Rep],
                 style: str | None = None, params: dict | None = None) -> Fault | None:
    """Ankle spread over shoulder width against the band for this lift and style; None for a bench press
    or an unknown lift (no stance verdict there)."""
    if lift not in ROWS["stance_width"].lifts:
        return None
    blocked = gate("stance_width", series, view, slice(0, series.n_frames))
    if blocked is not None:
        return blocked
    with np.errstate(all="ignore"):
        ratio = spread(series, "ankle") / spread(series, "shoulder")
    r = nanmed(ratio[_set_frames(series, reps)])
    if not np.isfinite(r):
        return not_judgeable("stance_width", "can't judge: your feet and shoulders were not seen together")
    lo, hi = STANCE_NEUTRAL.get((lift, style), STANCE_NEUTRAL[(lift, None)])
    label = "narrow" if r < lo else "wide" if r > hi else "neutral"
    outside = lo - r if r < lo else r - hi if r > hi else 0.0
    what = f"{style} {lift}" if style and lift == "deadlift" else lift
    evidence = (f"your feet were {fmt(r, 1)}× your shoulder width apart (usual for a {what}: "
                f"{fmt(lo, 1)}-{fmt(hi, 1)}×)")
    return judged("stance_width", outside, evidence, label, params)


def lateral_lean(lift: str | None, series: KeypointSeries, view: ViewEstimate, reps: list[Rep],
                 params: dict | None = None) -> Fault | None:
    """Shoulder-line tilt from horizontal; None for a bench press (lying down, no sideways lean)."""
    if lift not in ROWS["lateral_lean"].lifts:
        return None
    blocked = gate("lateral_lean", series, view, slice(0, series.n_frames))
    if blocked is not None:
        return blocked
    d = xy(series, "left_shoulder") - xy(series, "right_shoulder")
    with np.errstate(all="ignore"):
        tilt = np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))  # + = left shoulder lower (image y grows down)
    t = nanmed(tilt[_set_frames(series, reps)])
    if not np.isfinite(t):
        return not_judgeable("lateral_lean", "can't judge: both shoulders were not seen together")
    label = "neutral" if abs(t) < TILT_NEUTRAL_DEG else ("left" if t > 0 else "right")
    evidence = f"your shoulders tilted {fmt(abs(t), 1)}° with the {'left' if t > 0 else 'right'} one lower"
    return judged("lateral_lean", abs(t), evidence, label, params)


def judge_set(lift: str | None, series: KeypointSeries, angles: AngleSeries, reps: list[Rep],
              view: ViewEstimate, style: str | None = None) -> list[Fault]:
    """Whole-set judgments that apply to the lift and style done (none for a bench press)."""
    return [f for f in (stance_width(lift, series, view, reps, style), lateral_lean(lift, series, view, reps))
            if f is not None]


# --- per-frame good/bad from the verdicts --------------------------------------------------

def frame_scores(series: KeypointSeries, reps: list[Rep], details: list[list[RuleResult | Fault]]) -> dict:
    """Per-sample P(bad form): the worst calibrated rule probability at each sample.

    Only faults whose rep verdict is "fault" or "fine" speak (a "not sure" verdict colours nothing).
    None where nothing was judged: outside reps, poorly seen samples, or reps whose faults the view
    cannot show. ``reason`` says which fault and what was measured, in words.
    """
    n = series.n_frames
    p_bad: list[float | None] = [None] * n
    reason = ["not in a rep"] * n
    best = series.conf[:, KEY_JOINTS].reshape(n, 4, 2).max(axis=2)  # better side per joint pair
    frame_seen = np.nan_to_num(best).mean(axis=1) >= MIN_CONFIDENCE
    for rep, items in zip(reps, details, strict=True):
        results = [x for x in items if isinstance(x, RuleResult) and x.fault.verdict in ("fault", "fine")]
        for t in range(rep.start, rep.end + 1):
            p_bad[t], reason[t] = _one_frame(t, results, bool(frame_seen[t]), items)
    return {"p_bad": p_bad, "reason": reason, "source": "rule"}


def _one_frame(t: int, results: list[RuleResult], visible: bool,
               items: list[RuleResult | Fault]) -> tuple[float | None, str]:
    if not visible:
        return None, "lifter poorly seen in this frame"
    scored = [(float(r.frame_score[t - r.start]), r) for r in results
              if 0 <= t - r.start < r.frame_score.size and np.isfinite(r.frame_score[t - r.start])]
    if not scored:
        why = next((as_fault(x).evidence for x in items if not as_fault(x).judgeable), "")
        return (None, why) if not results else (0.0, "nothing to judge at this moment of the rep: looks fine")
    score, worst = max(scored, key=lambda p: p[0])
    text = worst.frame_reason(t - worst.start)
    return round(score, 3), (text if score >= P_FAULT else f"looks fine ({text})")
