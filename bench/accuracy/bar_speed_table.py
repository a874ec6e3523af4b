"""Per-rep bar speed for every clip with a measured plate, from bench.accuracy.bar_tracking's JSON results.

    .venv/bin/python -m bench.accuracy.bar_speed_table bench/results/bar_tracking_reference_boxes.json \
        bench/results/bar_tracking_without_reference.json > bench/results/bar_speed_per_rep.txt
"""

from __future__ import annotations

import json
import sys


def main(paths: list[str]) -> None:
    rows = []
    for path in paths:
        with open(path) as fh:
            rows += [c for c in json.load(fh)["clips"] if "skipped" not in c]
    shown = 0
    for d in rows:
        if not d.get("plate_px"):
            continue
        shown += 1
        mean = [r["bar_mean_velocity_m_s"] for r in d.get("reps", [])]
        peak = [r["bar_peak_velocity_m_s"] for r in d.get("reps", [])]
        print(f"{d['clip']:34s} {d['view']:8s} {d['lift']:8s} plate {d['plate_px']:6.1f} px  seen {d['seen_share']:.2f}"
              f"  ruler {d.get('ruler')}  mean m/s {mean}  peak m/s {peak}  loss % {d.get('velocity_loss_pct')}")
    print(f"# {shown} of {len(rows)} clips with a plate measured")


if __name__ == "__main__":
    main(sys.argv[1:])
