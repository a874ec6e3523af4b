"""One place that judges a lift: style, per-rep faults, whole-set faults, per-frame good/bad, gold poses.

Why one place: the pipeline, the live page and the evaluation all need the
same judgments, and rule-based detectors and learned models are combined
here (each :class:`~core.types.Fault` says which produced it in ``source``).
The rules in :mod:`core.judgment.faults` and :mod:`core.judgment.gold` always run; learned
models (style, form, frame-wise good/bad, deviations) plug in through
:func:`judge` and replace or add to the rule outputs when their weights exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.config import AnalysisConfig
from core.judgment.lift import Label
from core.movement.reps import WorkSignal
from core.perception.view import ViewEstimate
from core.skeleton import LIFTS
from core.types import AngleSeries, Fault, KeypointSeries, Rep

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Judgments:
    """Everything judged about one clip.

    ``rep_faults[i]`` belongs to ``reps[i]``. ``frame_scores`` is
    ``{"p_bad": [float | None per sample], "reason": [str per sample], "source": str}``
    (None = not judged at that sample). ``deviations`` are dicts
    ``{"keypoint", "deviation_bh", "dx_bh", "dy_bh", "rep"}`` largest first
    (body heights). ``gold`` is the gold-pose comparison (see :mod:`core.judgment.gold`).
    """

    style: Label | None
    rep_faults: tuple[tuple[Fault, ...], ...]
    set_faults: tuple[Fault, ...]
    frame_scores: dict | None
    deviations: tuple[dict, ...]
    gold: dict | None


def judge(series: KeypointSeries, angles: AngleSeries, reps: tuple[Rep, ...] | list[Rep], lift: Label,
          view: ViewEstimate, signal: WorkSignal | None, config: AnalysisConfig,
          rep_metrics: list[dict] | None = None) -> Judgments:
    """Judge a clip: one calibrated verdict per fault per rep (core.judgment.faults), whole-set verdicts for the
    lift and style done, the per-frame strip from those verdicts, and the learned extras.

    The deadlift style is read first, so that style-specific rows (a sumo set-up is low and wide by
    design) are judged against the style done. The sim-trained form models do not add faults: on the
    held-out real clips they did not raise the out-of-fold score (bench/results/evaluate_faults.md),
    so they stay silent until they do. ``rep_metrics`` (per rep, e.g. the bar tracker's ``bar_*``)
    feed rows that need them. An unknown lift gets no per-rep faults and no whole-set verdicts.
    """
    from core.judgment import gold  # imported here so `import core.judgment.judge` stays cheap
    from core.judgment.faults import judge_rules

    lift_name = lift.label if lift.label in LIFTS else None
    concentric_first = signal.concentric_first if signal is not None else lift_name == "deadlift"
    reps = list(reps)
    style = rule_style(series, angles, reps, lift_name, view)
    deviations = ()
    try:  # learned models (core.judgment.classify): each returns None / [] when its weights are absent
        from core.judgment import classify
        from core.judgment.style import combine_styles

        if style is not None:
            style = combine_styles(style, classify.predict_style(series, reps))  # the label stays the rules'
        deviations = tuple(classify.keypoint_deviations(series, reps, lift_name))
    except ImportError:  # torch missing: rules only
        logger.warning("learned models unavailable (torch not importable); using rules only")
    style_name = style.label if style is not None else None
    details = rep_details(series, angles, reps, lift_name, view, concentric_first, style_name, rep_metrics)
    rep_faults = tuple(tuple(judge_rules.as_fault(x) for x in d) for d in details)
    set_faults = tuple(judge_rules.judge_set(lift_name, series, angles, reps, view, style_name))
    frame_scores = judge_rules.frame_scores(series, reps, details) if reps else None
    gold_result = gold.score_against_gold(lift_name, series, reps, config.gold_dir) if lift_name else None
    return Judgments(style=style, rep_faults=rep_faults, set_faults=set_faults,
                     frame_scores=frame_scores, deviations=deviations, gold=gold_result)


def rule_style(series: KeypointSeries, angles: AngleSeries, reps: list[Rep], lift_name: str | None,
               view: ViewEstimate) -> Label | None:
    """The deadlift style from the rules (the label the verdicts are judged against), None otherwise."""
    if lift_name != "deadlift" or not reps:
        return None
    from core.judgment.style import classify_style_by_rules, style_features

    return classify_style_by_rules(style_features(series, angles, list(reps)), view.label)


def rep_details(series: KeypointSeries, angles: AngleSeries, reps: list[Rep], lift_name: str | None,
                view: ViewEstimate, concentric_first: bool, style_name: str | None,
                rep_metrics: list[dict] | None = None) -> list:
    """The verdicts of every rep (core.judgment.faults rows for the lift and style): the one judging path that the
    upload pipeline and the live page both call."""
    from core.judgment.faults import judge_rules

    metrics = rep_metrics if rep_metrics is not None else [None] * len(reps)
    return [judge_rules.judge_rep_detailed(lift_name, series, angles, rep, view, concentric_first, style_name, m)
            for rep, m in zip(reps, metrics, strict=True)]


def judgment_extras(judged: Judgments) -> dict:
    """The Report.extras keys the judgments fill: frame_scores, deviations, gold (absent when None)."""
    extras: dict = {"deviations": [dict(d) for d in judged.deviations]}
    if judged.frame_scores is not None:
        extras["frame_scores"] = judged.frame_scores
    if judged.gold is not None:
        extras["gold"] = judged.gold
    return extras
