"""``python -m core evaluate clips``: reps, lift, lifter and refusals on every real clip in the manifest.

Per clip it prints the manifest's reps and lift next to ours, the person analysed and any refusal; then a table
per lift x camera view (manifest labels) with exact reps, lift accuracy and refusals, plus the overall row.

Anything in the pipeline that is FITTED to the real clips is listed in ``FITTED`` (name -> fit function); the
evaluation then also runs leave-one-source-out: for each source (the clip name's prefix before the first ``_``,
the grouping of ``data/real/README.md``) the fit uses only the other sources, and the left-out clips are scored
with that fit. Pose is run for real unless ``traces_dir`` holds trace files (``<stem>.npz``, or older ``.pkl``).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.config import AnalysisConfig
from core.errors import FormLensError
from core.perception.trace_file import load_trace_of, trace_in
from core.skeleton import LIFTS


@dataclass
class ClipResult:
    """One clip's truth (from the manifest) and what the pipeline said."""

    stem: str
    source: str
    lift_true: str
    view: str
    reps_true: int
    lift: str | None = None
    candidates: tuple = ()
    reps: int | None = None
    person: int | None = None
    people: int = 0
    refusal: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    unfinished_top_s: float | None = None  # the last rep's Rep.top_s (a deadlift rep the clip ends in)
    counted_as: str | None = None  # the lift the reps were counted as (an unsure label's best candidate)
    gates: tuple[float, ...] = ()  # Rep.gate of every counted rep a rep gate looked at (core.movement.reps.gate_ends)
    top_left: tuple[float, ...] = ()  # Rep.top_left of every counted rep it was measured on (a shot's last squat rep)
    tops: tuple[float, ...] = ()  # s into the video: each counted rep's lockout (deadlift: the turn; squat and
    # bench: the return to the top), compared with labels/rep_labels.csv top_s
    confidence: float | None = None  # the lift label's probability as reported

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    @property
    def reps_exact(self) -> bool:
        return self.reps is not None and self.reps == self.reps_true

    @property
    def lift_right(self) -> bool:
        """The label, or for an ``unsure`` answer its most likely candidate, equals the manifest's lift."""
        return self.best_lift == self.lift_true

    @property
    def best_lift(self) -> str | None:
        if self.lift == "unsure" and self.candidates:
            return self.candidates[0]["label"]
        return self.lift


def source_of(stem: str) -> str:
    """The clip's source group: the name's prefix before the first ``_`` (data/real/README.md)."""
    return stem.split("_", 1)[0]


def read_manifest(shared_real: Path) -> list[dict[str, str]]:
    with open(shared_real / "manifest.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def load_trace(shared_real: Path, row: dict, config: AnalysisConfig, traces_dir: Path | None, cache: dict,
               scene_scores: Path | None = None):
    """A clip's pose trace: its file in ``traces_dir`` (core.perception.trace_file) or run now.
    ``scene_scores``: a folder of <stem>.npy (frame_index, change) rows written by
    ``bench/accuracy/scene_cuts.py --scores``, attached as ``scene_change`` to traces that lack it (the cached
    traces predate core.perception.shots.SceneObserver)."""
    stem = Path(row["file"]).stem
    if traces_dir is not None:
        trace = load_trace_of(traces_dir, stem)
        if scene_scores is not None and getattr(trace, "scene_change", None) is None:
            f = scene_scores / f"{stem}.npy"
            change = scene_change_on(trace.frame_index, np.load(f)) if f.is_file() else None
            if change is not None:
                trace = dataclasses.replace(trace, scene_change=change)
        return trace
    if "backend" not in cache:
        from core.perception.pose import load_backend

        cache["backend"] = load_backend(config)
    from core.perception.shots import SceneObserver
    from core.pipeline import run_pose

    scene = SceneObserver()
    trace = run_pose(shared_real / row["file"], cache["backend"], config, observers=(scene,))
    return dataclasses.replace(trace, scene_change=scene.finish())


def scene_change_on(frame_index: np.ndarray, scores: np.ndarray) -> np.ndarray | None:
    """Per-sample change (rows of frame_index, change) for a trace's samples; None unless the scores were taken on
    exactly these frames (a change over another stride is not the change between this trace's samples)."""
    if len(scores) != len(frame_index) or not np.array_equal(scores[:, 0].astype(int), np.asarray(frame_index)):
        return None
    return scores[:, 1].astype(np.float32)


def analyse_clip(row: dict, trace, config: AnalysisConfig, **kwargs) -> ClipResult:
    """Run ``analyze_trace`` on one clip; a FormLensError is a refusal, anything else an internal error."""
    import warnings

    from core.pipeline import analyze_trace

    stem = Path(row["file"]).stem
    res = ClipResult(stem, source_of(stem), row["lift"], row["view"], int(row["reps"]))
    try:
        with warnings.catch_warnings():  # all-NaN slices of unseen joints are expected on real clips
            warnings.simplefilter("ignore", RuntimeWarning)
            a = analyze_trace(trace, config, **kwargs)
    except FormLensError as err:
        res.refusal = str(err)
        return res
    except Exception as err:  # noqa: BLE001 - reported per clip, the sweep goes on
        res.refusal = f"internal error {type(err).__name__}: {err}"
        return res
    rep = a.report
    res.lift = rep.lift.get("label")
    res.candidates = tuple(rep.lift.get("candidates") or ())
    res.reps = rep.rep_count
    res.person = a.lifter_id
    res.people = sum(1 for t in a.tracks if t.present.mean() > 0.2)
    res.warnings = tuple(rep.warnings)
    res.unfinished_top_s = a.reps[-1].top_s if a.reps else None
    res.counted_as = res.best_lift
    res.confidence = float(rep.lift.get("confidence") or 0.0)
    res.tops = rep_tops(a)
    res.gates = tuple(r.gate for r in a.reps if r.gate is not None)
    res.top_left = tuple(r.top_left for r in a.reps if r.top_left is not None)
    return res


REP_MATCH_S = 0.5  # s; a counted rep matches a labelled one when their lockout times differ by at most this
# (issue 23: "a detected rep whose top is within 0.5 s of a labelled top")


def rep_tops(analysis) -> tuple[float, ...]:
    """Each counted rep's lockout time in s of the video: the turn of a deadlift (lockout), the end of a squat or
    bench rep (back at the top), at that sample's own timestamp. A phone clip with a variable frame rate drifts
    up to 0.44 s from a uniform grid (four development phone clips; docs/decisions.md, "A rep is what the bar does"),
    and the labels are times in the video."""
    times = np.asarray(analysis.trace.times, np.float64)
    if not len(times):
        return ()
    t0, fps = float(times[0]), float(analysis.series.fps)
    concentric_first = analysis.signal.concentric_first if analysis.signal is not None else True

    def at(i: int) -> float:
        return float(times[i]) if len(times) == analysis.series.n_frames else t0 + i / fps

    return tuple(round(at(r.turn if concentric_first else r.end), 3) for r in analysis.reps)


def read_rep_labels(shared_real: Path) -> dict[str, list[float]]:
    """Labelled lockout times (``top_s``) per clip stem from labels/rep_labels.csv; clips with no row have none."""
    out: dict[str, list[float]] = {}
    path = shared_real / "labels" / "rep_labels.csv"
    if not path.is_file():
        return out
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("top_s"):
                out.setdefault(Path(row["file"]).stem, []).append(float(row["top_s"]))
    return out


def match_reps(found: Iterable[float], labelled: Iterable[float], tol: float = REP_MATCH_S) -> int:
    """How many counted reps match a labelled rep one to one (closest pairs first, at most ``tol`` s apart)."""
    pairs = sorted((abs(f - g), i, j) for i, f in enumerate(found) for j, g in enumerate(labelled) if abs(f - g) <= tol)
    used_f: set[int] = set()
    used_g: set[int] = set()
    for _, i, j in pairs:
        if i not in used_f and j not in used_g:
            used_f.add(i)
            used_g.add(j)
    return len(used_f)


def rep_timing_table(results: Iterable[ClipResult], labels: dict[str, list[float]], title: str) -> str:
    """Matched reps per lift x view: precision, recall and F1 of counted reps against the labelled lockouts
    (clips whose manifest count is 0 have no labelled rep: everything counted there is a false rep)."""
    results = [r for r in results if r.reps_true == 0 or r.stem in labels]
    lines = [f"### {title}", "",
             "| lift | view | clips | labelled reps | counted | matched | precision | recall | F1 |",
             "|---|---|---|---|---|---|---|---|---|"]

    def row(lift: str, view: str, rs: list[ClipResult]) -> str:
        n_true = sum(len(labels.get(r.stem, ())) for r in rs)
        n_found = sum(len(r.tops) for r in rs)
        tp = sum(match_reps(r.tops, labels.get(r.stem, ())) for r in rs)
        p = tp / n_found if n_found else float("nan")
        rc = tp / n_true if n_true else float("nan")
        f1 = 2 * tp / (n_found + n_true) if n_found + n_true else float("nan")
        return f"| {lift} | {view} | {len(rs)} | {n_true} | {n_found} | {tp} | {p:.2f} | {rc:.2f} | {f1:.2f} |"

    return "\n".join(lines + grouped_rows(results, row))


CONFIDENCE_BINS = (0.0, 0.7, 0.8, 0.9, 0.95, 1.0001)  # edges of the reliability table; below 0.7 the page asks


def lift_reliability_table(results: Iterable[ClipResult]) -> str:
    """How often the lift is right at each reported confidence (a calibrated label is right about as often as it
    says), and every wrong lift the page would not have asked about."""
    results = [r for r in results if not r.refused and r.confidence is not None]
    lines = ["### Lift calibration (reliability)", "", "| reported confidence | clips | lift right | mean confidence |",
             "|---|---|---|---|"]
    for lo, hi in zip(CONFIDENCE_BINS[:-1], CONFIDENCE_BINS[1:], strict=True):
        rs = [r for r in results if lo <= r.confidence < hi]
        if rs:
            lines.append(f"| {lo:.2f}-{min(hi, 1.0):.2f} | {len(rs)} | {_pct(sum(r.lift_right for r in rs), len(rs))} "
                         f"| {np.mean([r.confidence for r in rs]):.2f} |")
    wrong = [r for r in results if not r.lift_right and r.lift != "unsure"]
    lines += ["", f"Wrong lift named without asking: {len(wrong)}"
              + "".join(f"; {r.stem} ({r.lift_true} called {r.lift} at {r.confidence:.0%})" for r in wrong)]
    return "\n".join(lines)


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)" if n else "-"


def grouped_rows(results: list[ClipResult], row: Callable[[str, str, list[ClipResult]], str]) -> list[str]:
    """``row`` per lift x view (manifest labels), then per lift, then overall: the layout of every clip table."""
    lines = []
    for lift in LIFTS:
        for view in sorted({r.view for r in results if r.lift_true == lift}):
            lines.append(row(lift, view, [r for r in results if r.lift_true == lift and r.view == view]))
        lines.append(row(f"**{lift}**", "all", [r for r in results if r.lift_true == lift]))
    lines.append(row("**all**", "all", results))
    return lines


def summary_table(results: Iterable[ClipResult], title: str) -> str:
    """Markdown table per lift x view, then per lift, then overall."""
    results = list(results)
    lines = [f"### {title}", "", "| lift | view | n | reps exact | lift right | refusals |",
             "|---|---|---|---|---|---|"]

    def row(lift: str, view: str, rs: list[ClipResult]) -> str:
        return (f"| {lift} | {view} | {len(rs)} | {_pct(sum(r.reps_exact for r in rs), len(rs))} | "
                f"{_pct(sum(r.lift_right for r in rs), len(rs))} | {sum(r.refused for r in rs)} |")

    return "\n".join(lines + grouped_rows(results, row))


def clip_lines(results: Iterable[ClipResult]) -> str:
    lines = ["| clip | reps (manifest / ours) | lift (manifest / ours) | person (of people) | refusal or warnings |",
             "|---|---|---|---|---|"]
    for r in results:
        lift = r.lift or "-"
        if r.candidates:
            lift += " [" + ", ".join(f"{c['label']} {c['p']:.2f}" for c in r.candidates) + "]"
        mark = "" if r.reps_exact else " ✗"
        lmark = "" if r.lift_right else " ✗"
        note = f"REFUSED: {r.refusal}" if r.refused else " / ".join(w[:90] for w in r.warnings)
        person = f"#{r.person} ({r.people})" if r.person is not None else "-"
        lines.append(f"| {r.stem} | {r.reps_true} / {'-' if r.reps is None else r.reps}{mark} | "
                     f"{r.lift_true} / {lift}{lmark} | {person} | {note.replace('|', '/')} |")
    return "\n".join(lines)


# Values FITTED to the real clips: config key -> (its "off" value, the grid searched, how a clip's result analysed
# with the key off changes at a grid value, the value set by hand from body geometry before any fit or None).
# Ties between grid values go to the hand-set value (None: the middle one), never to the shipped default, which
# was fitted on every source, the held-out one included. The shipped default in core.config is compared with the
# best value over all sources; the leave-one-source-out table fits each key on all other sources (the other keys at
# their shipped values) and re-analyses the left-out source with the values chosen without it. A key whose best
# value over all sources is not paid for under leave-one-source-out keeps its hand-set value.
def _min_top(res: ClipResult, v: float) -> ClipResult:
    """``min_unfinished_top_s = v`` drops a trailing unfinished deadlift rep held above lockout for less than v."""
    drop = res.reps is not None and res.unfinished_top_s is not None and res.unfinished_top_s < v
    return dataclasses.replace(res, reps=res.reps - 1) if drop else res


def _gate(lift: str) -> Callable[[ClipResult, float], ClipResult]:
    """``rep_gate_* = v`` for ``lift``: of the reps its gate looked at, those with a value below v are dropped
    (exact: a gate looks at a shot's first and last rep as detected, dropping one gates no other)."""
    def derive(res: ClipResult, v: float) -> ClipResult:
        if res.reps is None or res.counted_as != lift:
            return res
        return dataclasses.replace(res, reps=res.reps - sum(g < v for g in res.gates))
    return derive


def _top_left(res: ClipResult, v: float) -> ClipResult:
    """``rep_top_left_max = v`` drops a shot's last squat rep whose hips were still more than v of its travel
    from the top when the shot ended."""
    return res if res.reps is None else dataclasses.replace(res, reps=res.reps - sum(t > v for t in res.top_left))


OFF = float("-inf")
FITTED: dict[str, tuple[float, tuple[float, ...], Callable[[ClipResult, float], ClipResult], float | None]] = {
    "min_unfinished_top_s": (0.0, (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6), _min_top, None),  # (off, grid, derive, prior)
    "rep_gate_bench_arms_up": (OFF, (OFF, -0.2, -0.1, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5), _gate("bench"),
                               0.15),
    "rep_gate_squat_hands_min": (OFF, (OFF, -1.2, -1.0, -0.9, -0.8, -0.7, -0.6, -0.55, -0.5, -0.4, -0.3, -0.2),
                                 _gate("squat"), -0.55),
    "rep_gate_deadlift_upright": (OFF, (OFF, 0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), _gate("deadlift"), 0.5),
    "rep_top_left_max": (float("inf"), (float("inf"), 0.6, 0.5, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1), _top_left,
                         0.35),
}
GATE_OFF = {k: v[0] for k, v in FITTED.items() if k.startswith("rep_gate_")}  # one base run for the gates


def best_value(grid: tuple[float, ...], by_value: dict[float, list[ClipResult]], keep,
               prior: float | None = None) -> float:
    """The grid value with the most exact rep counts on the clips ``keep`` accepts; ties: the one nearest
    ``prior`` (the hand-set value: a key the data cannot separate keeps it), without a prior the middle one."""
    scores = [sum(r.reps_exact for r in by_value[v] if keep(r)) for v in grid]
    best = [v for v, sc in zip(grid, scores, strict=True) if sc == max(scores)]
    return best[len(best) // 2] if prior is None else min(best, key=lambda v: (abs(v - prior), v))


def leave_one_source_out(rows, traces, config: AnalysisConfig,
                         shipped: list[ClipResult]) -> tuple[list[ClipResult], list[str]]:
    """Held-out results for every clip, each source analysed with the FITTED values chosen on the others."""
    notes: list[str] = []
    sources = sorted({source_of(Path(r["file"]).stem) for r in rows})
    picks: dict[str, dict[str, float]] = {s: {} for s in sources}
    bases: dict[str, list[ClipResult]] = {}
    for key, (off, grid, derive, prior) in FITTED.items():
        base_key = "gates" if key in GATE_OFF else key
        if base_key not in bases:
            off_cfg = config.update(**(GATE_OFF if key in GATE_OFF else {key: off}))
            bases[base_key] = [analyse_clip(r, traces[Path(r["file"]).stem], off_cfg) for r in rows]
        base = bases[base_key]
        # the other keys sharing this base run (the gates) at their shipped values, this one at v
        others_at = [(FITTED[k][2], getattr(config, k)) for k in (GATE_OFF if key in GATE_OFF else ()) if k != key]

        def at(res: ClipResult, v: float, derive=derive, others_at=others_at) -> ClipResult:
            for d, w in others_at:
                res = d(res, w)
            return derive(res, v)

        by_value = {v: [at(res, v) for res in base] for v in grid}
        ship = getattr(config, key)
        everywhere = best_value(grid, by_value, lambda r: True, prior)
        same = sum(d.reps == s.reps for d, s in zip([at(r, ship) for r in base], shipped, strict=True))
        for src in sources:
            picks[src][key] = best_value(grid, by_value, lambda r, s=src: r.source != s, prior)
        notes.append(f"- `{key}`: grid {list(grid)}; exact reps per value over all sources "
                     f"{[sum(r.reps_exact for r in by_value[v]) for v in grid]}; hand-set {prior}; best {everywhere} "
                     f"(shipped default {ship}{'' if everywhere == ship else ': differs, see the held-out table'}); "
                     "the derivation "
                     f"reproduces the shipped count on {same}/{len(base)} clips; chosen without each source: "
                     + ", ".join(f"{s} {picks[s][key]}" for s in sources))
    held_out = list(shipped)
    for i, r in enumerate(rows):
        src = shipped[i].source
        changed = {k: v for k, v in picks[src].items() if v != getattr(config, k)}
        if changed:  # re-analyse exactly with the values fitted without this source
            held_out[i] = analyse_clip(r, traces[Path(r["file"]).stem], config.update(**changed))
    return held_out, notes


def evaluate_clips(shared_real: Path, weights: str | None = None, imgsz: int = 480,
                   traces_dir: Path | None = None, only: Iterable[str] | None = None,
                   scene_scores: Path | None = None) -> str:
    """The whole report as markdown (see the module docstring)."""
    config = AnalysisConfig.from_env().update(**({"pose_weights": weights} if weights else {}), pose_imgsz=imgsz)
    rows = read_manifest(shared_real)
    if only:
        keep = set(only)
        rows = [r for r in rows if Path(r["file"]).stem in keep or source_of(Path(r["file"]).stem) in keep]
    cache: dict = {}
    missing = []
    if traces_dir is not None:  # a partly written cache: score what is there, and say what is not
        missing = [Path(r["file"]).stem for r in rows if not trace_in(traces_dir, Path(r["file"]).stem).is_file()]
        rows = [r for r in rows if Path(r["file"]).stem not in missing]
    traces = {Path(r["file"]).stem: load_trace(shared_real, r, config, traces_dir, cache, scene_scores)
              for r in rows}
    results = [analyse_clip(r, traces[Path(r["file"]).stem], config) for r in rows]
    out = [f"## Real clips: {len(results)} clips from {len({r.source for r in results})} sources", "",
           *([f"Not scored (no trace in {traces_dir}): {', '.join(missing)}", ""] if missing else []),
           clip_lines(results), "", summary_table(results, "per lift x view (manifest labels)")]
    labels = read_rep_labels(shared_real)
    out += ["", rep_timing_table(results, labels, f"per-rep timing: counted reps whose lockout is within "
                                                  f"{REP_MATCH_S} s of a labelled one (labels/rep_labels.csv)"),
            "", lift_reliability_table(results)]
    if FITTED:
        held_out, notes = leave_one_source_out(rows, traces, config, results)
        out += ["", "### Fitted to the real clips (leave-one-source-out)", "", *notes, "",
                summary_table(held_out, "leave-one-source-out: each source scored with values fitted on the others"),
                "", rep_timing_table(held_out, labels, "per-rep timing, leave-one-source-out")]
    return "\n".join(out)
