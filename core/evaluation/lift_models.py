"""``python -m core evaluate lift-models``: lift type, deadlift style and clip-level form on every real clip in
the manifest, by the rules, the learned model and the combination the pipeline uses, each against the label."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from core.judgment.learned.evaluate import confusion, format_report
from core.labels import DEADLIFT_STYLES
from core.perception.trace_file import load_trace_of
from core.skeleton import LIFTS


def evaluate_clips(shared_real: Path, weights: str | None, imgsz: int, traces_dir: Path | None) -> str:
    """Lift type on every real clip in the manifest: pose is run for real (or read from ``traces_dir``),
    then the rules, the model and the combination the pipeline uses are each compared with the label."""
    from core.config import AnalysisConfig
    from core.judgment.classify import frame_bad_probability, predict_lift, predict_style
    from core.pipeline import analyze_trace, run_pose

    config = AnalysisConfig.from_env().update(**({"pose_weights": weights} if weights else {}), pose_imgsz=imgsz)
    backend = None
    with open(shared_real / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    lines = ["clip | true | rules | model (p) | pipeline | style model (p) | style (pipeline) | view | form label | "
             "faults detected (rules) | mean p_bad"]
    hits = {"rules": 0, "model": 0, "pipeline": 0}
    y_true, y_pipe = [], []
    style_true, style_pipe, form_true, form_pipe = [], [], [], []
    for row in rows:
        stem = Path(row["file"]).stem
        if traces_dir is not None:
            trace = load_trace_of(traces_dir, stem)
        else:
            if backend is None:
                from core.perception.pose import load_backend

                backend = load_backend(config)
            trace = run_pose(shared_real / row["file"], backend, config)
        a = analyze_trace(trace, config)
        from core.judgment.lift import classify_lift_by_rules

        rule = classify_lift_by_rules(a.series, a.angles)
        model = predict_lift(a.series)
        pipe = a.report.lift
        style = predict_style(a.series, a.reps) if pipe["label"] == "deadlift" else None
        pb = frame_bad_probability(a.series)
        for k, v in (("rules", rule.label), ("model", model.label if model else None), ("pipeline", pipe["label"])):
            hits[k] += v == row["lift"]
        y_true.append(LIFTS.index(row["lift"]))
        y_pipe.append(LIFTS.index(pipe["label"]) if pipe["label"] in LIFTS else len(LIFTS))  # last column: unknown
        model_text = f"{model.label} ({model.confidence:.2f})" if model else "- (0.00)"
        pipe_style = a.report.style.get("label")
        if row["lift"] == "deadlift" and row["style"] in DEADLIFT_STYLES and pipe["label"] == "deadlift":
            style_true.append(DEADLIFT_STYLES.index(row["style"]))
            style_pipe.append(DEADLIFT_STYLES.index(pipe_style) if pipe_style in DEADLIFT_STYLES
                              else len(DEADLIFT_STYLES))
        faults = rule_faults(a.report)
        if row["form_label"] and a.report.reps:  # clip-level form: bad = a rule detected a fault in a judged rep
            form_true.append(0 if row["form_label"] == "good" else 1)
            form_pipe.append(1 if faults else 0)
        lines.append(f"{stem} | {row['lift']} | {rule.label} | {model_text} | "
                     f"{pipe['label']} ({pipe['source']}) | {style.label if style else '-'} "
                     f"({style.confidence if style else 0:.2f}) | {pipe_style or '-'} | {a.report.view['label']} | "
                     f"{row['form_label'] or '-'} | {', '.join(sorted(faults)) or '-'} | "
                     f"{np.nanmean(pb) if pb is not None and np.isfinite(pb).any() else float('nan'):.2f}")
    n = len(rows)
    lines.append(f"lift accuracy over {n} clips: rules {hits['rules']}/{n}, model {hits['model']}/{n}, "
                 f"pipeline {hits['pipeline']}/{n}")
    classes = (*LIFTS, "unknown")  # "unknown" is an answer, never a label: its row stays empty
    lines.append(format_report("real clips, pipeline lift type", confusion(y_true, y_pipe, len(classes)), classes))
    styles = (*DEADLIFT_STYLES, "none")
    lines.append(format_report("real deadlift clips, pipeline style (no real sumo or Romanian clip exists)",
                               confusion(style_true, style_pipe, len(styles)), styles))
    lines.append(format_report("real clips with a form label and >= 1 rep, clip level: bad = a rule fault detected",
                               confusion(form_true, form_pipe, 2), ("good", "bad")))
    return "\n".join(lines)


def rule_faults(report) -> set[str]:
    """Names of the rule-based faults detected in any judgeable rep of ``report``."""
    return {f["name"] for r in report.reps for f in r.faults
            if f.get("detected") and f.get("judgeable", True) and f.get("source", "rule") == "rule"}

