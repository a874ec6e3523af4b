"""The plate ruler live vs upload: how far the plate's diameter (px) moves when the same clip is measured as an
upload and as a live recording (<= 640 px, re-encoded), against the share of sizes that agree with it.

    FORMLENS_SHARED=../shared python -m bench.accuracy.plate_ruler TRACES LIVE_TRACES

TRACES: the uploads' traces (``python -m bench.traces``); LIVE_TRACES: the checked recordings' traces
(``python -m bench.accuracy.live_vs_upload_bar_all TRACES --live-traces LIVE_TRACES``). Both are analysed now, so
the table follows the current analysis code. Every speed moves with its ruler (core.perception.bar.measure).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from bench.common import machine_line
from core.config import AnalysisConfig
from core.perception.bar.measure import PLATE_SUPPORT_MIN
from core.perception.trace_file import load_trace_of
from core.pipeline import analyze_trace
from tests.conftest import ONNX_WEIGHTS, TEST_IMGSZ, manifest_row

APART = (0.02, 0.05)  # ruler differences (share) the summary counts: within 2 %, 5 % or more apart
THRESHOLDS = (0.5, PLATE_SUPPORT_MIN, 0.7)  # plate_support values the summary compares


def rulers(traces: Path, live: Path) -> list[tuple[str, float, float, float]]:
    """(clip, upload plate px, live plate px in the clip's px, upload plate_support) per clip with both."""
    config = AnalysisConfig(pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ)
    out = []
    for path in sorted(live.glob("*.npz")):
        lift = manifest_row(path.stem)["lift"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            up = analyze_trace(load_trace_of(traces, path.stem), config, lift_override=lift)
            lv = analyze_trace(load_trace_of(live, path.stem), config, lift_override=lift)
        if up.bar is None or lv.bar is None or not up.bar.plate_px or not lv.bar.plate_px:
            continue
        scale = up.trace.info.width / lv.trace.info.width
        out.append((path.stem, up.bar.plate_px, lv.bar.plate_px * scale, up.bar.plate_support or 0.0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("traces", type=Path)
    ap.add_argument("live_traces", type=Path)
    args = ap.parse_args()
    rows = rulers(args.traces, args.live_traces)
    print(f"<!-- {machine_line()} -->")
    print("# The plate ruler, upload vs live recording\n")
    print("| clip | upload plate px | live plate px | live / upload | upload plate support |")
    print("|---|---|---|---|---|")
    for name, u, v, s in sorted(rows, key=lambda r: -abs(r[2] / r[1] - 1)):
        print(f"| {name} | {u:.1f} | {v:.1f} | {v / u:.3f} | {s:.2f} |")
    apart = {name: abs(v / u - 1) for name, u, v, _s in rows}
    support = {name: s for name, _u, _v, s in rows}
    close = [n for n, d in apart.items() if d < APART[0]]
    far = [n for n, d in apart.items() if d >= APART[1]]
    print(f"\n{len(rows)} clips with a plate ruler on both sides: {len(close)} within {APART[0]:.0%}, "
          f"{len(far)} {APART[1]:.0%} or more apart (median difference {np.median(list(apart.values())):.1%}).\n")
    print("| plate support under | flagged of the far apart | flagged of the close |")
    print("|---|---|---|")
    for t in THRESHOLDS:
        print(f"| {t} | {sum(support[n] < t for n in far)}/{len(far)} | {sum(support[n] < t for n in close)}/"
              f"{len(close)} |")


if __name__ == "__main__":
    main()
