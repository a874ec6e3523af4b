"""Does the tracked bar add to the form verdicts? The fault evaluation on pose traces that carry a bar track,
once with the bar and once with it removed (same pose, same reps), each scored leaving one lifter out.

``.venv/bin/python -m bench.experiments.fault_bar --traces /work/cache/traces_fast``

Every labelled clip must have a trace in ``--traces`` (nothing is re-run here). The scoring is
core.evaluation.faults (held_out with core.evaluation.calibration.refitter, summary, clip_table).
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from pathlib import Path

from bench.common import SHARED
from core.perception.trace_file import load_trace, trace_in


def run(traces: Path, with_bar: bool, esap: list) -> tuple[list, int]:
    from core.config import AnalysisConfig
    from core.errors import FormLensError
    from core.evaluation import faults as ev
    from core.pipeline import analyze_trace

    cfg, out, judged = AnalysisConfig.from_env(), [], 0
    for c in ev.labelled_clips(SHARED / "data" / "real"):
        r = ev.ClipResult(c)
        trace = load_trace(trace_in(traces, c.stem))
        if not with_bar:
            trace = dataclasses.replace(trace, bar=None)
        try:
            a = analyze_trace(trace, cfg, lift_override=c.lift)
            r.reps = [[f.to_dict() for f in rep.faults] for rep in a.report.reps]
            r.lift, r.view, r.note = a.report.lift["label"], a.report.view["label"], "" if r.reps else "no rep found"
            judged += any(f["name"] == "bar_away_from_body" and f.get("verdict") != "cannot_judge"
                          for rep in r.reps for f in rep)
        except FormLensError as err:
            r.note = f"not analysed: {err}"
        out.append(r)
    return out + esap, judged


def main() -> None:
    from core.config import AnalysisConfig
    from core.evaluation import calibration as cal
    from core.evaluation import faults as ev

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", required=True, help="folder of cached pose traces with a bar track, <stem>.npz or .pkl")
    args = ap.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    esap = ev.analyse_esap(SHARED / "data" / "real" / "keypoints" / "deadlift_esap_openpose18",
                           AnalysisConfig.from_env())
    print(f"# Fault verdicts with and without the tracked bar ({args.traces}; leave one lifter out)")
    for with_bar in (False, True):
        results, judged = run(Path(args.traces), with_bar, esap)
        scored = ev.held_out(results, cal.refitter)
        text = ev.summary(scored, "").splitlines()
        print(f"\n## bar {'used' if with_bar else 'removed'} (video clips with a judged bar row: {judged})\n")
        print("\n".join(text[2:8]))
        print("\n| fault | positives | negatives | precision [95 % CI] | recall [95 % CI] | F1 [95 % CI] |")
        print("| --- | --- | --- | --- | --- | --- |")
        print("\n".join(x for x in text if x.startswith(("| bar_away", "| hips_not_locked"))))
        rows = [r for r in ev.clip_table(scored) if r["kind"] == "video" and r["found"]]
        print("\nvideo clips given a fault: " + "; ".join(f"{r['clip']} ({r['label']}): {', '.join(r['found'])}"
                                                        for r in rows))


if __name__ == "__main__":
    main()
