"""Live vs upload bar speed per rep on every single-camera development clip (issue 26: within 5 %).

Upload: the clip's trace from ``python -m bench.traces`` (pose 480 px and the barbell, as an upload) through
``analyze_trace``. Live: ``ui.live.LiveSession`` fed the clip's frames as the browser would (at most 640 px,
tests/integration/test_live_finish.py), "Finish set", then the check of the kept recording
(``LiveSession.recording_report``: the recording analysed as an upload). Rows: clip, rep, both speeds, % apart.

    FORMLENS_SHARED=/work/shared python -m bench.accuracy.live_vs_upload_bar_all TRACES_DIR [--part K/N]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace_of
from core.pipeline import analyze_trace
from tests.conftest import ONNX_WEIGHTS, TEST_IMGSZ, manifest_row
from tests.integration.test_live_clips import ALL_CLIPS
from tests.integration.test_live_finish import _frames
from ui.live import LIVE_POSE_IMGSZ, LiveSession


def speeds(analysis) -> list:
    return [r.metrics.get("bar_mean_velocity_m_s") for r in analysis.report.reps]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("traces", type=Path)
    ap.add_argument("--part", default="1/1", help="K/N: every N-th clip from the K-th (to run N processes)")
    args = ap.parse_args()
    k, n = (int(x) for x in args.part.split("/"))
    config = AnalysisConfig(pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ)
    backend = load_backend(config.update(pose_threads=1))
    names = [c for c in ALL_CLIPS if manifest_row(c)["view"] != "mixed"][k - 1::n]
    print("clip | lift | rep | upload m/s | live m/s | % apart | reps upload / live", flush=True)
    for name in names:
        lift = manifest_row(name)["lift"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            up = analyze_trace(load_trace_of(args.traces, name), config, lift_override=lift)
            cfg = config.update(pose_imgsz=LIVE_POSE_IMGSZ)
            live = LiveSession(cfg, backend, lift, keep_frames_s=600.0)
            for vf in _frames(name, cfg):
                live.on_frame(vf)
            live.finish_report()
            checked = live.recording_report(backend, config)
        lv = checked[0] if checked is not None else None
        us, ls = speeds(up), speeds(lv) if lv is not None else []
        counts = f"{len(us)} / {len(ls)}"
        for i in range(max(len(us), len(ls), 1)):
            u = us[i] if i < len(us) else None
            v = ls[i] if i < len(ls) else None
            d = f"{(v - u) / u * 100:+.1f}" if u and v else "-"
            print(f"{name} | {lift} | {i + 1} | {u} | {v} | {d} | {counts}", flush=True)


if __name__ == "__main__":
    main()
