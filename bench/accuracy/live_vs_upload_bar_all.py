"""Live vs upload bar speed per rep on every single-camera development clip (issue 26: within 5 %).

Upload: the clip's trace from ``python -m bench.traces`` (pose 480 px and the barbell, as an upload) through
``analyze_trace``. Live: ``ui.live.LiveSession`` fed the clip's frames as the browser would (at most 640 px,
tests/integration/test_live_finish.py), "Finish set", then the check of the kept recording
(``LiveSession.recording_report``: the recording analysed as an upload). Rows: clip, rep, both speeds, % apart.

    FORMLENS_SHARED=/work/shared python -m bench.accuracy.live_vs_upload_bar_all TRACES_DIR [--part K/N]
        [--live-traces DIR]

``--live-traces DIR`` keeps each checked recording's trace (pose and bar) there, and reuses one found there instead
of feeding the clip to a LiveSession again (the recording itself is kept beside it as ``<stem>.mp4``, for
``python -m bench.traces --rebar``): a change to the analysis after perception (rep rules, bar
measurements) is then re-scored on both sides in minutes.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from bench.accuracy.live_vs_upload_bar import live_checked, per_rep, speeds
from core.config import AnalysisConfig
from core.errors import FormLensError
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace_of, save_trace, trace_in
from core.pipeline import analyze_trace
from tests.conftest import ONNX_WEIGHTS, TEST_IMGSZ, manifest_row
from tests.integration.test_live_clips import ALL_CLIPS


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("traces", type=Path)
    ap.add_argument("--part", default="1/1", help="K/N: every N-th clip from the K-th (to run N processes)")
    ap.add_argument("--only", nargs="*", default=None, help="just these clips (of the part)")
    ap.add_argument("--live-traces", type=Path, default=None,
                    help="keep the checked recordings' traces here; reuse those already there")
    args = ap.parse_args()
    k, n = (int(x) for x in args.part.split("/"))
    config = AnalysisConfig(pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ)
    backend = load_backend(config.update(pose_threads=1))
    names = [c for c in ALL_CLIPS if manifest_row(c)["view"] != "mixed"][k - 1::n]
    names = [c for c in names if args.only is None or c in args.only]
    print("clip | lift | rep | upload m/s | live m/s | % apart | reps upload / live", flush=True)
    for name in names:
        lift = manifest_row(name)["lift"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            up = analyze_trace(load_trace_of(args.traces, name), config, lift_override=lift)
            kept = trace_in(args.live_traces, name) if args.live_traces is not None else None
            try:
                if kept is not None and kept.is_file():
                    lv = analyze_trace(load_trace_of(args.live_traces, name), config, lift_override=lift)
                else:
                    lv = live_checked(name, lift, config, backend, keep_frames_s=600.0,
                                      keep_mp4=None if kept is None else kept.with_suffix(".mp4"))
                    if kept is not None and lv is not None:
                        kept.parent.mkdir(parents=True, exist_ok=True)
                        save_trace(lv.trace, kept)
            except FormLensError as e:  # the recording refused with the message a user reads
                print(f"{name} | {lift} | - | - | - | refused: {e} | {up.report.rep_count} / -", flush=True)
                continue
        us, ls = speeds(up), speeds(lv) if lv is not None else []
        for rep, u, v, d in per_rep(us, ls, at_least=1):
            print(f"{name} | {lift} | {rep} | {u} | {v} | {d} | {len(us)} / {len(ls)}", flush=True)


if __name__ == "__main__":
    main()
