"""skip_frame=NONREF vs plain decode at the analysis stride: identical frames? faster? Needs core/video.py
from commit 095487e (iter_frames(skip_nonref=...)); the option was dropped again, see bench/results/skip_nonref.md.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/skip_nonref.py N30   # N30 = how many 30 fps clips (stride forced to 2)
"""
import csv, time, numpy as np, logging, sys
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(message)s")
logging.getLogger("core.video").setLevel(logging.INFO)
from core.video import iter_frames, probe
from core.config import AnalysisConfig
R = Path("/work/shared/data/real"); cfg = AnalysisConfig()
rows = list(csv.DictReader(open(R / "manifest.csv")))
fast = [r for r in rows if float(r["fps"]) > 35]
slow = [r for r in rows if float(r["fps"]) <= 35][:int(sys.argv[1])]
for r in fast + slow:
    p = R / r["file"]; info = probe(p, cfg); stride = max(2, cfg.stride_for(info.fps))
    t = time.perf_counter(); a = list(iter_frames(p, info, stride=stride, max_side=480)); ta = time.perf_counter() - t
    t = time.perf_counter(); b = list(iter_frames(p, info, stride=stride, max_side=480, skip_nonref=True)); tb = time.perf_counter() - t
    same = len(a) == len(b) and all(x.index == y.index and x.time_s == y.time_s and np.array_equal(x.image, y.image) for x, y in zip(a, b))
    print(Path(r["file"]).stem, f"{info.width}x{info.height}@{info.fps:.0f} stride {stride}", "frames", len(a), "identical" if same else "DIFFERENT", f"plain {ta:.2f}s skip {tb:.2f}s ratio {ta/tb:.2f}", flush=True)
