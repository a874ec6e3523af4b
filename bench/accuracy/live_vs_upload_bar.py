"""Live vs upload bar speed per rep on real clips (issue 26: within 5 %).

Upload: core.pipeline.analyze_video on the clip. Live: ui.live.LiveSession fed the clip's frames as the browser
would (tests/integration/test_live_finish.py), "Finish set" then the check of the kept recording
(LiveSession.recording_report: the recording analysed as an upload, pose and bar).
Run: FORMLENS_SHARED=/work/shared python -m bench.accuracy.live_vs_upload_bar jeffchen_good formfit_deadlift ...
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.pipeline import analyze_video
from tests.conftest import ONNX_WEIGHTS, TEST_IMGSZ, clip_path, manifest_row
from tests.integration.test_live_finish import _frames
from ui.live import LIVE_POSE_IMGSZ, LiveSession


def speeds(analysis) -> list:
    return [r.metrics.get("bar_mean_velocity_m_s") for r in analysis.report.reps]


def live_checked(name: str, lift: str, config: AnalysisConfig, backend, keep_frames_s: float = 60.0,
                 keep_mp4: Path | None = None):
    """The clip fed to a LiveSession as a browser camera would, "Finish set", then the check of the kept
    recording (LiveSession.recording_report): that Analysis, or None without a recording. ``keep_mp4``: where to
    write the recording too."""
    cfg = config.update(pose_imgsz=LIVE_POSE_IMGSZ)
    live = LiveSession(cfg, backend, lift, keep_frames_s=keep_frames_s)
    for vf in _frames(name, cfg):
        live.on_frame(vf)
    live.finish_report()
    checked = live.recording_report(backend, config)
    if checked is not None and keep_mp4 is not None:
        keep_mp4.parent.mkdir(parents=True, exist_ok=True)
        keep_mp4.write_bytes(checked[1])
    return checked[0] if checked is not None else None


def per_rep(us: list, ls: list, at_least: int = 0):
    """(rep number, upload m/s, live m/s, "% apart" or "-") for every rep either side counted."""
    for i in range(max(len(us), len(ls), at_least)):
        u = us[i] if i < len(us) else None
        v = ls[i] if i < len(ls) else None
        yield i + 1, u, v, f"{(v - u) / u * 100:+.1f}" if u and v else "-"


def main(names: list[str]) -> None:
    config = AnalysisConfig(pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ)
    backend = load_backend(config)
    print("clip | rep | upload m/s | live m/s | % diff | upload plate px | live plate px")
    for name in names:
        up = analyze_video(clip_path(name), backend, config)
        lv = live_checked(name, manifest_row(name)["lift"], config, backend)
        us, ls = speeds(up), speeds(lv) if lv is not None else []
        pu, pl = up.trace.bar.plate_px if up.trace.bar else None, lv.trace.bar.plate_px if lv else None
        for rep, u, v, d in per_rep(us, ls):
            print(f"{name} | {rep} | {u} | {v} | {d} | {pu and round(pu, 1)} | {pl and round(pl, 1)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
