"""Form verdicts on real clips: the same verdict per rep live and uploaded, and the held-out yardstick's
machinery (leave-one-lifter-out refit) on real keypoints of lifters the calibration never saw."""

from __future__ import annotations

from core.pipeline import analyze_trace
from core.verdicts import verdict_of
from tests.conftest import manifest_row
from tests.integration.test_live_clips import feed, live_config, live_trace  # noqa: F401 (fixtures)

SAME_VERDICT_CLIPS = ("jeffchen_good", "jeffchen_rdl", "decrypthor_bench", "prakharsingh_sumo_deadlift")


def _verdicts(faults) -> dict[str, str]:
    return {f["name"]: verdict_of(f) for f in faults}


def test_live_and_upload_give_the_same_verdict_per_rep(live_trace, live_config):  # noqa: F811
    """The live page judges each rep through the upload's judging path on the same pose results."""
    compared = 0
    for name in SAME_VERDICT_CLIPS:
        trace = live_trace(name)
        lift = manifest_row(name)["lift"]
        offline = analyze_trace(trace, live_config, lift_override=lift)
        live = feed(trace, lift, live_config)
        t0 = float(trace.times[0])
        for lrep in live.reps:  # the upload's rep covering the same motion (counts can differ by one: issue 4)
            orep = max(offline.report.reps, key=lambda r: min(r.end_s, lrep.end_s - t0) - max(r.start_s,
                                                                                                lrep.start_s - t0))
            assert _verdicts(lrep.faults) == _verdicts(orep.faults), (name, orep.index)
            assert lrep.verdict.startswith(f"Rep {lrep.index + 1}:")
            compared += 1
    assert compared >= len(SAME_VERDICT_CLIPS)
