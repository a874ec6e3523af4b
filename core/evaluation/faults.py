"""``python -m core evaluate faults``: form verdicts scored on every labelled real source, held out by lifter.

Sources (../shared/data/real, see its README): clip labels (``form_label``), the BichraiX per-phase
labels, the named faults of the jeffchen clips (via ``form_label``), and the Deadlift-ESAP keypoint set
(good/bad, lifters unknown: one source group). Every clip belongs to a *group* (one lifter, or one source
where lifters are unknown); anything fitted (the calibration, :mod:`core.evaluation.calibration`) is fitted on the
other groups only and the held-out group is scored with it (leave-one-lifter-out).

What is printed:

- per fault precision / recall / F1 with bootstrap 95 % intervals (resampling clips), over the clips whose
  label says something about that fault (positive: the label names it; negative: the clip is labelled good);
- clip-level balanced accuracy: a bad clip is right when a fault verdict is found where the label says bad
  (the named fault if it names one, any fault otherwise), a good clip is right when no rep gets a fault
  verdict ("not sure" is not a fault verdict);
- coverage: share of reps with at least one fault/fine verdict, and of (rep, fault) pairs;
- calibration: expected calibration error and a reliability table of ``p`` against the clip labels.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.judgment.fault_titles import SUPERSEDED
from core.judgment.learned.datasets import bichraix_group
from core.judgment.verdicts import verdict_of
from core.perception.trace_file import load_trace, trace_in

# Label names in the data -> fault names of core.judgment.faults.FAULT_TABLE.
LABEL_FAULTS: dict[str, frozenset[str]] = {
    "heel_lift": frozenset({"heel_rise"}),
    "bent_arms": frozenset({"bent_arms"}),
    "rdl_like_pull": frozenset({"early_hip_rise"}),  # stiff-legged, hips high (README)
    "rounded_back": frozenset({"rounded_lower_back", "rounded_upper_back"}),
    "knee_cave": frozenset({"knee_cave"}),
    "bar_path_too_low": frozenset({"bar_path"}),
    "rounded_lower_back": frozenset({"rounded_lower_back"}),
    "rounded_upper_back": frozenset({"rounded_upper_back"}),
    "bar_away_from_body": frozenset({"bar_away_from_body"}),
    "incomplete_lockout": frozenset({"hips_not_locked"}),  # BichraiX: deadlift lockout, glutes
    "shoulders_behind_bar": frozenset({"lockout_overextension"}),
    "hips_too_low": frozenset({"hips_too_low"}),
}
# Fault names of older reports -> the names they stand for today (a rule may have been split).
OLD_NAMES: dict[str, frozenset[str]] = {old: frozenset(new) for old, new in SUPERSEDED.items()}
FAULT_VERDICT = "fault"
N_BOOT = 1000
RELIABILITY_BINS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0001)
JEFFCHEN_MAIN = {"good", "bad", "heellift", "rdl", "arm_bend"}


def canonical(name: str) -> frozenset[str]:
    return OLD_NAMES.get(name, frozenset({name}))


def lifter_group(stem: str) -> str:
    """The unit held out together: one lifter where the README names them, else one source."""
    if stem.startswith("mattiolato_good"):
        return "mattiolato:outdoor_lifter"
    if stem.startswith("mattiolato_bad"):
        return "mattiolato:indoor_lifters"  # two lifters, not told apart: held out together
    if stem.startswith("bichraix_"):
        return bichraix_group(stem.removeprefix("bichraix_"))
    if stem.startswith("jeffchen_"):
        return "jeffchen:main" if stem.removeprefix("jeffchen_") in JEFFCHEN_MAIN else "jeffchen:nico"
    if stem.startswith("esap:"):
        return "esap"
    return stem.split("_")[0]


@dataclass(frozen=True)
class LabelledClip:
    stem: str
    lift: str
    style: str
    view: str
    label: str  # "good" or "bad"
    named: frozenset[str]  # fault names the label gives (empty: bad without a name, or good)
    label_text: str
    group: str
    kind: str = "video"  # "video" or "esap"
    path: str = ""


def labelled_clips(shared_real: Path) -> list[LabelledClip]:
    """Every manifest clip with a form label, with BichraiX phase labels merged in."""
    phases: dict[str, set[str]] = {}
    with open(shared_real / "labels" / "bichraix_phase_labels.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["video"]:
                phase, fault = row["label_short"].split(":")
                if fault != "ok":
                    phases.setdefault(Path(row["video"]).stem, set()).add(fault)
    out = []
    with open(shared_real / "manifest.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            stem = Path(row["file"]).stem
            text = row["form_label"]
            if not text and stem not in phases:
                continue
            named: set[str] = set()
            if text.startswith("bad:"):
                named |= LABEL_FAULTS.get(text[4:], frozenset({text[4:]}))
            for f in phases.get(stem, ()):
                named |= LABEL_FAULTS[f]
            label = "bad" if (text.startswith("bad") or named) else "good"
            if stem in phases:
                text = f"{text} (phases: {', '.join(sorted(phases[stem]))})"
            out.append(LabelledClip(stem, row["lift"], row["style"], row["view"], label, frozenset(named), text,
                                    lifter_group(stem), "video", row["file"]))
    return out


@dataclass
class ClipResult:
    clip: LabelledClip
    reps: list[list[dict]] = field(default_factory=list)  # fault dicts per rep
    lift: str = ""
    view: str = ""
    note: str = ""  # why nothing was judged (error, no rep)


def analyse_clips(shared_real: Path, traces_dir: Path | None, config=None,
                  log: Callable[[str], None] = lambda m: None) -> list[ClipResult]:
    """Run the pipeline (pose from ``traces_dir`` when given) on every labelled clip and the ESAP set.

    The lift is given (``lift_override``) so that the fault verdicts are scored, not the lift classifier.
    """
    from core.config import AnalysisConfig
    from core.errors import FormLensError
    from core.pipeline import analyze_trace, run_pose

    config = config or AnalysisConfig.from_env()
    backend = None
    results = []
    for clip in labelled_clips(shared_real):
        res = ClipResult(clip)
        try:
            if traces_dir is not None and trace_in(traces_dir, clip.stem).is_file():
                trace = load_trace(trace_in(traces_dir, clip.stem))
            else:
                if backend is None:
                    from core.perception.pose import load_backend

                    backend = load_backend(config)
                trace = run_pose(shared_real / clip.path, backend, config)
            a = analyze_trace(trace, config, lift_override=clip.lift)
            res.reps = [[dict(f) for f in r.faults] for r in a.report.reps]
            res.lift, res.view = a.report.lift["label"], a.report.view["label"]
            res.note = "" if res.reps else "no rep found"
        except FormLensError as err:
            res.note = f"not analysed: {err}"
        log(f"{clip.stem}: {len(res.reps)} reps {res.note}")
        results.append(res)
    results += analyse_esap(shared_real / "keypoints" / "deadlift_esap_openpose18", config)
    return results


def analyse_esap(root: Path, config) -> list[ClipResult]:
    """Deadlift-ESAP keypoints (deduplicated) through the same judging as a video's keypoints."""
    from core.judgment.judge import judge
    from core.judgment.learned.datasets import load_esap
    from core.judgment.lift import Label
    from core.movement.angles import compute_joint_angles
    from core.movement.cleaning import clean_series
    from core.movement.reps import detect_reps
    from core.perception.view import estimate_view

    out = []
    if not root.is_dir():
        return out
    for kc in load_esap(root):
        clip = LabelledClip(f"esap:{kc.name}", "deadlift", "conventional", kc.view, kc.label, frozenset(),
                            f"{kc.label} (folder)", "esap", "esap")
        series = clean_series(kc.series, config)
        angles = compute_joint_angles(series)
        view = estimate_view(series)
        reps, signal = detect_reps("deadlift", series, angles, config)
        res = ClipResult(clip, lift="deadlift", view=view.label)
        if reps:
            j = judge(series, angles, reps, Label("deadlift", 1.0, "user"), view, signal, config)
            res.reps = [[f.to_dict() for f in rf] for rf in j.rep_faults]
        else:
            res.note = "no rep found"
        out.append(res)
    return out


# --- scoring ---------------------------------------------------------------------------------

def rep_verdicts(faults: Sequence[dict]) -> dict[str, tuple[str, float | None]]:
    """One (verdict, p) per canonical fault name in a rep: the worst verdict wins when a name repeats
    (old reports list a rule and a model under one name)."""
    order = {"fault": 3, "not_sure": 2, "fine": 1, "cannot_judge": 0}
    out: dict[str, tuple[str, float | None]] = {}
    for f in faults:
        v = verdict_of(f)
        p = f.get("p")
        if p is None and f.get("judgeable", True):
            p = float(f.get("score", 0.0))  # old reports: the rule score stands in for a probability
        for name in canonical(f["name"]):
            old = out.get(name)
            if old is None or order[v] > order[old[0]] or (order[v] == order[old[0]] and (p or 0) > (old[1] or 0)):
                out[name] = (v, p)
    return out


def clip_table(results: Sequence[ClipResult]) -> list[dict]:
    """Per clip: label, reps, faults found (verdict fault), not-sure faults, right/wrong."""
    rows = []
    for r in results:
        per_rep = [rep_verdicts(f) for f in r.reps]
        found = sorted({n for rv in per_rep for n, (v, _) in rv.items() if v == FAULT_VERDICT})
        unsure = sorted({n for rv in per_rep for n, (v, _) in rv.items() if v == "not_sure"} - set(found))
        right = None
        if r.reps:
            if r.clip.label == "good":
                right = not found
            elif r.clip.named:
                right = bool(set(found) & r.clip.named)
            else:
                right = bool(found)
        rows.append({"clip": r.clip.stem, "group": r.clip.group, "kind": r.clip.kind, "label": r.clip.label,
                     "named": sorted(r.clip.named), "label_text": r.clip.label_text, "view": r.view,
                     "reps": len(r.reps), "found": found, "not_sure": unsure, "right": right, "note": r.note,
                     "reps_found": [sorted(n for n, (v, _) in rv.items() if v == FAULT_VERDICT) for rv in per_rep]})
    return rows


def balanced_accuracy(rows: Sequence[dict]) -> tuple[float, int, int, int, int]:
    """(BA, right bad, bad, right good, good) over rows with a verdict (``right`` not None)."""
    bad = [r for r in rows if r["right"] is not None and r["label"] == "bad"]
    good = [r for r in rows if r["right"] is not None and r["label"] == "good"]
    rb, rg = sum(r["right"] for r in bad), sum(r["right"] for r in good)
    parts = [x for x in ((rb / len(bad)) if bad else None, (rg / len(good)) if good else None) if x is not None]
    return (float(np.mean(parts)) if parts else float("nan"), rb, len(bad), rg, len(good))


def fault_pairs(results: Sequence[ClipResult]) -> list[tuple[str, str, int, int, float]]:
    """(clip, fault, truth, predicted fault, p) for every (clip, fault) the label speaks about."""
    out = []
    for r in results:
        if not r.reps:
            continue
        per_rep = [rep_verdicts(f) for f in r.reps]
        names = {n for rv in per_rep for n in rv} | set(r.clip.named)
        for name in sorted(names):
            if r.clip.label == "good":
                truth = 0
            elif name in r.clip.named:
                truth = 1
            else:
                continue  # a bad clip that does not name this fault says nothing about it
            vs = [rv[name] for rv in per_rep if name in rv]
            pred = int(any(v == FAULT_VERDICT for v, _ in vs))
            ps = [p for v, p in vs if p is not None and v != "cannot_judge"]
            out.append((r.clip.stem, name, truth, pred, max(ps) if ps else float("nan")))
    return out


def _prf(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    tp = float(((t == 1) & (y == 1)).sum())
    fp = float(((t == 0) & (y == 1)).sum())
    fn = float(((t == 1) & (y == 0)).sum())
    p = tp / (tp + fp) if tp + fp else float("nan")
    rc = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return p, rc, f1


def _ci(values: list[float]) -> str:
    v = np.asarray([x for x in values if np.isfinite(x)])
    return f"[{np.percentile(v, 2.5):.2f}, {np.percentile(v, 97.5):.2f}]" if v.size else "[-]"


def per_fault_table(pairs, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = ["| fault | positives | negatives | precision [95 % CI] | recall [95 % CI] | F1 [95 % CI] |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name in sorted({p[1] for p in pairs}):
        rows = [p for p in pairs if p[1] == name]
        t = np.array([r[2] for r in rows])
        y = np.array([r[3] for r in rows])
        p, rc, f1 = _prf(t, y)
        boots = [_prf(t[i], y[i]) for i in (rng.integers(0, len(t), len(t)) for _ in range(N_BOOT))]
        cis = [_ci([b[k] for b in boots]) for k in range(3)]
        lines.append(f"| {name} | {int(t.sum())} | {int((t == 0).sum())} | {_fmt(p)} {cis[0]} | {_fmt(rc)} {cis[1]} "
                     f"| {_fmt(f1)} {cis[2]} |")
    return lines


def _fmt(x: float) -> str:
    return "-" if not np.isfinite(x) else f"{x:.2f}"


def calibration(pairs) -> tuple[float, list[str]]:
    """ECE of p against the (clip, fault) truth, and the reliability table."""
    ok = [(p, t) for _, _, t, _, p in pairs if np.isfinite(p)]
    if not ok:
        return float("nan"), ["no probabilities"]
    p = np.array([x[0] for x in ok])
    t = np.array([x[1] for x in ok])
    lines = ["| p bin | n | mean p | share truly faulty |", "| --- | --- | --- | --- |"]
    ece = 0.0
    for lo, hi in zip(RELIABILITY_BINS[:-1], RELIABILITY_BINS[1:], strict=True):
        m = (p >= lo) & (p < hi)
        if m.any():
            ece += m.sum() / len(p) * abs(p[m].mean() - t[m].mean())
            lines.append(f"| {lo:.2f}-{min(hi, 1.0):.2f} | {int(m.sum())} | {p[m].mean():.2f} | {t[m].mean():.2f} |")
    return float(ece), lines


def coverage(results: Sequence[ClipResult]) -> tuple[float, float, int]:
    """(share of reps with >= 1 fault/fine verdict, share of (rep, fault) with one, reps)."""
    reps = [rep_verdicts(f) for r in results for f in r.reps]
    if not reps:
        return float("nan"), float("nan"), 0
    with_v = [any(v in ("fault", "fine") for v, _ in rv.values()) for rv in reps]
    pairs = [v in ("fault", "fine") for rv in reps for v, _ in rv.values()]
    return float(np.mean(with_v)), float(np.mean(pairs)) if pairs else float("nan"), len(reps)


def held_out(results: list[ClipResult], refit: Callable[[list[ClipResult]], Callable[[dict], dict]] | None
             ) -> list[ClipResult]:
    """Leave-one-group-out: for each group, fit on the others (``refit`` -> a fault-dict rejudger) and
    rejudge the group's fault dicts with it. Without ``refit`` the verdicts are taken as the report gives them."""
    if refit is None:
        return results
    out: list[ClipResult] = []
    by_group: dict[str, list[int]] = {}
    for i, r in enumerate(results):
        by_group.setdefault(r.clip.group, []).append(i)
    new: dict[int, ClipResult] = {}
    for group, idx in by_group.items():
        train = [r for j, r in enumerate(results) if results[j].clip.group != group]
        rejudge = refit(train)
        for i in idx:
            r = results[i]
            new[i] = replace(r, reps=[[rejudge(f) for f in rep] for rep in r.reps])
    out = [new[i] for i in range(len(results))]
    return out


def summary(results: list[ClipResult], title: str) -> str:
    rows = clip_table(results)
    video = [r for r in rows if r["kind"] == "video"]
    esap = [r for r in rows if r["kind"] == "esap"]
    lines = [f"# {title}", ""]
    for name, sel in (("labelled video clips", video), ("Deadlift-ESAP keypoint files", esap), ("all", rows)):
        ba, rb, nb, rg, ng = balanced_accuracy(sel)
        lines.append(f"- clip-level balanced accuracy, {name}: **{_fmt(ba)}** (bad right {rb}/{nb}, "
                     f"good right {rg}/{ng}; {sum(r['reps'] == 0 for r in sel)} clips without a rep not scored)")
    if any(f.get("source", "rule").startswith("model:") for r in results for rep in r.reps for f in rep):
        no_models = [replace(r, reps=[[f for f in rep if not f.get("source", "rule").startswith("model:")]
                                      for rep in r.reps]) for r in results]
        ba, rb, nb, rg, ng = balanced_accuracy([x for x in clip_table(no_models) if x["kind"] == "video"])
        lines.append(f"- the same without the sim-trained form models' faults (they never saw these clips, so this "
                     f"is out of fold): video clips **{_fmt(ba)}** (bad right {rb}/{nb}, good right {rg}/{ng})")
    named = [r for r in video if r["label"] == "bad" and r["named"] and r["reps"]]
    lines.append(f"- named fault found where the label names one: {sum(bool(r['right']) for r in named)}/{len(named)}")
    good_conf = [r["clip"] for r in rows if r["label"] == "good" and r["found"]]
    lines.append(f"- good-labelled clips given a fault verdict: {len(good_conf)} "
                 f"({', '.join(good_conf[:12])}{' ...' if len(good_conf) > 12 else ''})")
    cov_rep, cov_pair, n = coverage(results)
    lines.append(f"- coverage: {_fmt(cov_rep)} of {n} reps have a fault/fine verdict; "
                 f"{_fmt(cov_pair)} of (rep, fault) pairs")
    pairs = fault_pairs(results)
    ece, rel = calibration(pairs)
    lines += ["", "## Per fault (clip level; positive = label names it, negative = clip labelled good)", ""]
    lines += per_fault_table(pairs)
    lines += ["", f"## Calibration: ECE {_fmt(ece)} over {len([p for p in pairs if np.isfinite(p[4])])} (clip, fault) "
                  "pairs with a probability", ""] + rel
    return "\n".join(lines)


def verdict_table(results: list[ClipResult]) -> str:
    lines = ["| clip | group | label | view | reps | fault verdicts per rep | not sure | right |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in clip_table(results):
        per = "; ".join(f"{i + 1}: {', '.join(f) or 'none'}" for i, f in enumerate(r["reps_found"])) or r["note"]
        right = "-" if r["right"] is None else ("yes" if r["right"] else "NO")
        lines.append(f"| {r['clip']} | {r['group']} | {r['label_text'] or r['label']} | {r['view']} | {r['reps']} "
                     f"| {per} | {', '.join(r['not_sure']) or '-'} | {right} |")
    return "\n".join(lines)


def cue_table(params: dict) -> str:
    """Does each cue separate good from bad on the labelled clips? (the shipped fit, all lifters)"""
    from core.judgment.faults.table import ROWS

    lines = ["## Cues on all labelled clips (the shipped calibration; held-out folds refit this per lifter)", "",
             "| fault | unit | good / named bad / unnamed bad clips | AUC good vs bad | confirmed | p = 0.5 at |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, prm in sorted(params.items()):
        c = prm["clips"]
        conf = {True: "yes", False: "NO: verdicts capped at not sure", None: "no data: textbook prior"}[
            prm.get("confirmed")]
        lines.append(f"| {name} | {ROWS[name].threshold.unit} | {c['good']} / {c['named']} / {c['unnamed_bad']} | "
                     f"{prm.get('auc_good_vs_bad')} | {conf} | {prm['c']:.3g} (prior {prm['prior_c']:.3g}) |")
    return "\n".join(lines)


def evaluate_faults(shared_real: Path, traces_dir: Path | None, out_dir: Path | None = None,
                    shipped: bool = False, log: Callable[[str], None] = lambda m: None,
                    fit_to: Path | None = None, command: str = "") -> str:
    """The whole evaluation as markdown; with ``out_dir`` also writes the summary (``evaluate_faults.md``) and the
    per-clip table (``fault_verdicts.md``), the current names of bench/results/README.md.

    ``shipped``: score the verdicts as the pipeline gives them (today's rules, or the committed
    calibration, which saw every lifter); default: refit the calibration leaving each lifter out.
    """
    results = analyse_clips(shared_real, traces_dir, log=log)
    refit = None
    if not shipped:
        from core.evaluation import calibration as cal

        refit = cal.refitter
    scored = held_out(results, refit)
    if fit_to is not None:  # the shipped calibration: fitted on every labelled lifter (scored above held out)
        from core.evaluation import calibration as cal

        params = cal.fit(cal.clip_units(results))
        cal.write(params, fit_to, command, [r.clip.group for r in results])
    how = "verdicts as shipped" if shipped else "calibration refitted leaving each lifter/source out"
    text = summary(scored, f"evaluate faults ({how})")
    if fit_to is not None:
        text += "\n\n" + cue_table(params)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "evaluate_faults.md").write_text(text + "\n")
        (out_dir / "fault_verdicts.md").write_text(f"# Per-clip verdicts ({how})\n\n" + verdict_table(scored) + "\n")
    return text
