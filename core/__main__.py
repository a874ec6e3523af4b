"""Command line: ``python -m core analyze VIDEO --json OUT.json`` runs the upload page's pipeline.

Bad input exits with status 2 and one line on stderr; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core.config import AnalysisConfig
from core.config import shared_real as config_shared_real
from core.errors import FormLensError
from core.report import plural

logger = logging.getLogger("core.cli")


def _analyze(args: argparse.Namespace) -> int:
    from core.perception.pose import load_backend
    from core.pipeline import analyze_video

    overrides = {k: v for k, v in {
        "pose_weights": args.weights, "pose_backend": args.backend, "pose_imgsz": args.imgsz,
        "frame_stride": args.stride, "rep_detector": args.detector, "user_height_m": args.height_m,
    }.items() if v is not None}
    config = AnalysisConfig.from_env().update(**overrides)
    backend = load_backend(config)
    analysis = analyze_video(args.video, backend, config, lift_override=args.lift)
    report = analysis.report
    from core.coaching import coach_report, with_coaching

    coaching = coach_report(report, config, use_gemini=args.gemini, tone=args.tone)  # offline unless --gemini + key
    report = with_coaching(report, coaching)
    if coaching.note:
        print(f"formlens: {coaching.note}", file=sys.stderr)
    text = report.to_json(indent=2)
    if args.json:
        Path(args.json).write_text(text)
    else:
        print(text)
    if args.csv:
        Path(args.csv).write_text(report.reps_csv())
    if args.annotated:
        from core.render.replay import write_annotated_video

        write_annotated_video(args.video, analysis, args.annotated, blur_faces=args.blur_faces)
    print(summary_line(Path(args.video).name, report), file=sys.stderr)
    return 0


def summary_line(name: str, report) -> str:
    """The one-line summary on stderr; when the lift is unsure it names the candidates and how to choose."""
    lift = report.lift
    line = f"{name}: {lift['label']}, {plural(report.rep_count, 'rep')}, {report.timing['total_s']:.1f} s"
    if lift.get("label") == "unsure" and lift.get("candidates"):
        a, b = lift["candidates"][:2]
        line += (f"\nformlens: not sure which lift this is: {a['label']} ({a['p']:.0%}) or {b['label']} "
                 f"({b['p']:.0%}); reps were counted as {a['label']}. "
                 f"Re-run with --lift {a['label']} or --lift {b['label']}.")
    return line


def _train(args: argparse.Namespace) -> int:
    from core.judgment.learned.train import train_all

    command = f"python -m core train --out {args.out} --n-sim {args.n_sim} --seed {args.seed}"
    curves = train_all(Path(args.out), n_sim=args.n_sim, seed=args.seed, command=command)
    for name, losses in curves.items():
        print(f"{name}: loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} epochs")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from core.judgment.learned import evaluate as ev

    shared_real = Path(args.shared_real) if args.shared_real else config_shared_real()
    if args.what == "faults":
        from core.evaluation.faults import evaluate_faults

        print(evaluate_faults(shared_real, Path(args.traces) if args.traces else None,
                              Path(args.out) if args.out else None, args.shipped,
                              log=lambda m: print(m, file=sys.stderr), fit_to=Path(args.fit) if args.fit else None,
                              command="python -m core " + " ".join(sys.argv[1:])))
        return 0
    if args.what == "standards":
        from core.evaluation.standards import evaluate_standards

        text = evaluate_standards(shared_real, Path(args.traces) if args.traces else None,
                                  AnalysisConfig.from_env(), log=lambda m: print(m, file=sys.stderr),
                                  command="python -m core " + " ".join(sys.argv[1:]), only=args.only)
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / "evaluate_standards.md").write_text(text)
        print(text)
        return 0
    if args.what == "sim":
        print(ev.evaluate_sim(Path(args.models)))
    elif args.what == "esap":
        print(ev.evaluate_esap(shared_real / "keypoints"))
    elif args.what == "lift-models":
        from core.evaluation.lift_models import evaluate_clips as evaluate_lift_models

        print(evaluate_lift_models(shared_real, args.weights, args.imgsz, Path(args.traces) if args.traces else None))
    else:
        from core.evaluation.clips import evaluate_clips

        scores = Path(args.scene_scores) if args.scene_scores else None
        print(evaluate_clips(shared_real, args.weights, args.imgsz, Path(args.traces) if args.traces else None,
                             only=args.only, scene_scores=scores))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core", description="FormLens lift analysis")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="analyse one video and write a JSON report")
    a.add_argument("video")
    a.add_argument("--json", help="write the report here (default: stdout)")
    a.add_argument("--csv", help="write the per-rep table here")
    a.add_argument("--annotated", help="write an MP4 with the skeleton drawn on")
    a.add_argument("--blur-faces", action="store_true", help="blur faces in the annotated MP4")
    a.add_argument("--weights", help="pose weights (.pt or .onnx); default from config/env")
    a.add_argument("--backend", choices=["auto", "yolo", "onnx", "vitpose"], help="pose backend (default auto)")
    a.add_argument("--imgsz", type=int, help="pose input size in px")
    a.add_argument("--stride", type=int, help="analyse every n-th frame")
    a.add_argument("--detector", choices=["hysteresis", "baseline"], help="rep detector")
    a.add_argument("--lift", choices=["deadlift", "squat", "bench"], help="skip lift detection")
    a.add_argument("--height-m", type=float, dest="height_m", help="lifter height for speeds in m/s")
    a.add_argument("--gemini", action="store_true",
                   help="coach with Gemini (sends measurements, never video; needs GEMINI_API_KEY or GOOGLE_API_KEY)")
    a.add_argument("--tone", choices=["lifter", "classroom"], default="lifter", help="coaching tone")
    a.set_defaults(func=_analyze)
    t = sub.add_parser("train", help="retrain the learned models (simulator + public keypoint data)")
    t.add_argument("--out", default="models", help="folder for the .pt weights")
    t.add_argument("--n-sim", type=int, default=1500, dest="n_sim", help="simulated clips")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=_train)
    e = sub.add_parser("evaluate", help="confusion matrices and per-class P/R/F1, split by video")
    e.add_argument("what", choices=["sim", "esap", "clips", "lift-models", "faults", "standards"],
                   help="held-out simulator, ESAP good/bad, real clips (reps, lift, lifter, refusals per lift x view), "
                        "real clips (rules vs learned models for lift/style/form), form verdicts on labelled clips, "
                        "referee standards per rep against data/real/labels/rep_labels.csv (core.evaluation.standards)")
    e.add_argument("--models", default="models", help="folder with the .pt weights (sim)")
    e.add_argument("--shared-real", dest="shared_real",
                   help="path of shared/data/real (default: FORMLENS_SHARED or ../shared)")
    e.add_argument("--weights", help="pose weights for clips (default from config/env)")
    e.add_argument("--imgsz", type=int, default=480, help="pose input size in px for clips")
    e.add_argument("--traces", help="folder of <stem>.npz (or older .pkl) pose traces, python -m bench.traces "
                   "(default: run pose)")
    e.add_argument("--scene-scores", dest="scene_scores",
                   help="clips: folder of per-sample scene-change scores <stem>.npy for traces that lack them "
                        "(bench/accuracy/scene_cuts.py --scores)")
    e.add_argument("--only", nargs="*", help="clips, standards: only these clip stems or sources (name prefixes)")
    e.add_argument("--out", help="faults: folder for evaluate_faults.md and fault_verdicts.md; standards: for "
                   "evaluate_standards.md (the names of bench/results/README.md)")
    e.add_argument("--fit", help="faults: also fit the calibration on every labelled lifter and write it here "
                                 "(models/fault_calibration.json)")
    e.add_argument("--shipped", action="store_true",
                   help="faults: score the verdicts as shipped (no refit per held-out lifter; the baseline)")
    e.set_defaults(func=_evaluate)
    _add_batch_parser(sub)
    return p


def _batch(args: argparse.Namespace) -> int:
    from core.batch import run_batch

    overrides = {k: v for k, v in {"pose_weights": args.weights, "pose_backend": args.backend,
                                   "pose_imgsz": args.imgsz, "frame_stride": args.stride}.items() if v is not None}
    config = AnalysisConfig.from_env().update(**overrides)
    counts = run_batch(Path(args.folder), Path(args.out), workers=args.workers, ray_address=args.ray,
                       config=config, retry_failed=args.retry_failed, log=lambda m: print(m, file=sys.stderr))
    print(f"{counts['found']} videos: {counts['analysed']} analysed, {counts['failed']} failed, "
          f"{counts['skipped']} already done; summary in {Path(args.out) / 'summary.csv'}", file=sys.stderr)
    return 0


def _add_batch_parser(sub) -> None:
    b = sub.add_parser("batch", help="analyse a folder of videos (resumable), one report each + summary.csv")
    b.add_argument("folder", help="folder of videos (searched recursively)")
    b.add_argument("--out", required=True, help="folder for <video>.json reports and summary.csv")
    b.add_argument("--workers", type=int, default=1, help="parallel worker processes on this machine")
    b.add_argument("--ray", metavar="ADDRESS", help="run as Ray tasks on the cluster at ADDRESS (e.g. 10.0.0.5:6379)")
    b.add_argument("--retry-failed", action="store_true", help="retry videos that failed before")
    b.add_argument("--weights", help="pose weights (.pt or .onnx); default from config/env")
    b.add_argument("--backend", choices=["auto", "yolo", "onnx", "vitpose"], help="pose backend (default auto)")
    b.add_argument("--imgsz", type=int, help="pose input size in px")
    b.add_argument("--stride", type=int, help="analyse every n-th frame")
    b.set_defaults(func=_batch)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", force=True)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FormLensError as err:
        print(f"formlens: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("formlens: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # last resort: one line, details in the log at debug level
        logger.debug("unexpected failure", exc_info=True)
        print(f"formlens: internal error ({type(err).__name__}: {err}). Please report this video.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
