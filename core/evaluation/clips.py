"""``python -m core evaluate clips``: reps, lift, lifter and refusals on every real clip in the manifest.

Per clip it prints the manifest's reps and lift next to ours, the person analysed and any refusal; then a table
per lift x camera view (manifest labels) with exact reps, lift accuracy and refusals, plus the overall row.

Anything in the pipeline that is FITTED to the real clips is listed in ``FITTED`` (name -> fit function); the
evaluation then also runs leave-one-source-out: for each source (the clip name's prefix before the first ``_``,
the grouping of ``data/real/README.md``) the fit uses only the other sources, and the left-out clips are scored
with that fit. Pose is run for real unless ``traces_dir`` holds pickled ``PoseTrace``s (``<stem>.pkl``).
"""

from __future__ import annotations

import csv
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.config import AnalysisConfig
from core.errors import FormLensError

KNOWN_LIFTS = ("deadlift", "squat", "bench")


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


def load_trace(shared_real: Path, row: dict, config: AnalysisConfig, traces_dir: Path | None, cache: dict):
    stem = Path(row["file"]).stem
    if traces_dir is not None:
        return pickle.loads((traces_dir / f"{stem}.pkl").read_bytes())
    if "backend" not in cache:
        from core.pose import load_backend

        cache["backend"] = load_backend(config)
    from core.pipeline import run_pose

    return run_pose(shared_real / row["file"], cache["backend"], config)


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
    return res


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)" if n else "-"


def summary_table(results: Iterable[ClipResult], title: str) -> str:
    """Markdown table per lift x view, then per lift, then overall."""
    results = list(results)
    lines = [f"### {title}", "", "| lift | view | n | reps exact | lift right | refusals |",
             "|---|---|---|---|---|---|"]

    def row(lift: str, view: str, rs: list[ClipResult]) -> str:
        return (f"| {lift} | {view} | {len(rs)} | {_pct(sum(r.reps_exact for r in rs), len(rs))} | "
                f"{_pct(sum(r.lift_right for r in rs), len(rs))} | {sum(r.refused for r in rs)} |")

    for lift in KNOWN_LIFTS:
        views = sorted({r.view for r in results if r.lift_true == lift})
        for view in views:
            lines.append(row(lift, view, [r for r in results if r.lift_true == lift and r.view == view]))
        lines.append(row(f"**{lift}**", "all", [r for r in results if r.lift_true == lift]))
    lines.append(row("**all**", "all", results))
    return "\n".join(lines)


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


# name -> fit(rows, traces) -> kwargs for analyze_trace. Empty while nothing in the pipeline is fitted to real clips.
FITTED: dict[str, Callable] = {}


def evaluate_clips(shared_real: Path, weights: str | None = None, imgsz: int = 480,
                   traces_dir: Path | None = None, only: Iterable[str] | None = None) -> str:
    """The whole report as markdown (see the module docstring)."""
    config = AnalysisConfig.from_env().update(**({"pose_weights": weights} if weights else {}), pose_imgsz=imgsz)
    rows = read_manifest(shared_real)
    if only:
        keep = set(only)
        rows = [r for r in rows if Path(r["file"]).stem in keep or source_of(Path(r["file"]).stem) in keep]
    cache: dict = {}
    missing = []
    if traces_dir is not None:  # a partly written cache: score what is there, and say what is not
        missing = [Path(r["file"]).stem for r in rows if not (traces_dir / f"{Path(r['file']).stem}.pkl").is_file()]
        rows = [r for r in rows if Path(r["file"]).stem not in missing]
    traces = {Path(r["file"]).stem: load_trace(shared_real, r, config, traces_dir, cache) for r in rows}
    results = [analyse_clip(r, traces[Path(r["file"]).stem], config) for r in rows]
    out = [f"## Real clips: {len(results)} clips from {len({r.source for r in results})} sources", "",
           *([f"Not scored (no trace in {traces_dir}): {', '.join(missing)}", ""] if missing else []),
           clip_lines(results), "", summary_table(results, "per lift x view (manifest labels)")]
    if FITTED:
        loso = []
        for src in sorted({r.source for r in results}):
            train = [r for r in rows if source_of(Path(r["file"]).stem) != src]
            kwargs: dict = {}
            for fit in FITTED.values():
                kwargs.update(fit(train, traces))
            loso += [analyse_clip(r, traces[Path(r["file"]).stem], config, **kwargs)
                     for r in rows if source_of(Path(r["file"]).stem) == src]
        out += ["", f"Fitted to real clips: {', '.join(FITTED)}; leave-one-source-out below.", "",
                summary_table(loso, "leave-one-source-out")]
    else:
        out += ["", "Nothing in the analysis is fitted to these clips (rules and simulator-trained models only), "
                "so there is no leave-one-source-out table."]
    return "\n".join(out)
