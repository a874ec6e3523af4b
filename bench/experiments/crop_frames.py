"""Frame by frame: where does a crop (or any other) trace differ from the full-frame reference?

    .venv/bin/python -m bench.experiments.crop_frames STEM ... --cand /work/cache/speed3/crop07
                                          [--ref /work/cache/traces] [--big 12]
    .venv/bin/python -m bench.experiments.crop_frames --identical --cand DIR  # bit-identical share, all clips

For each clip, both traces are tracked and ranked exactly as ``analyze_trace`` does; it prints whether the
same person is the lifter (box IoU), how many people each trace sees per sample, and how far the lifter's
joints move (max over the 12 body joints with confidence >= the visibility threshold in both, px of the
source frame): median and p95 over samples, the share of samples with no move at all (the full-frame looks,
identical pixels), and the times of the samples that move more than ``--big`` % of the lifter's box height.
Cheap (no pose run): it reads stored traces.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from core.judgment.lifter import rank_tracks
from core.perception.trace_file import load_trace, trace_in
from core.perception.tracking import track_people
from core.skeleton import LOW_VISIBILITY as VIS_THRESHOLD  # "poorly seen" gate (core.judgment.faults.MIN_CONFIDENCE)

BODY = slice(5, 17)  # COCO shoulders..ankles (the joints the rules read; the face is left out)


def lifter(trace):
    tracks = rank_tracks(track_people(list(trace.people), trace.fps), trace.info.width, trace.info.height, trace.fps)
    return tracks[0] if tracks else None


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x1, y1 = np.minimum(a[:, 2], b[:, 2]), np.minimum(a[:, 3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def report(stem: str, ref_dir: Path, cand_dir: Path, big: float) -> None:
    ref = load_trace(trace_in(ref_dir, stem))
    cand = load_trace(trace_in(cand_dir, stem))
    if not np.array_equal(ref.frame_index, cand.frame_index):
        print(f"{stem}: different samples ({len(ref.frame_index)} vs {len(cand.frame_index)}), skipped")
        return
    a, b = lifter(ref), lifter(cand)
    n_ref = np.array([len(p) for p in ref.people])
    n_cand = np.array([len(p) for p in cand.people])
    same_person = np.nanmedian(iou(a.boxes, b.boxes))
    ka, kb = a.keypoints[:, BODY], b.keypoints[:, BODY]
    ok = (ka[..., 2] >= VIS_THRESHOLD) & (kb[..., 2] >= VIS_THRESHOLD)
    d = np.linalg.norm(ka[..., :2] - kb[..., :2], axis=-1)
    d[~ok] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        move = np.nanmax(d, axis=1)
        height = np.nanmedian(a.boxes[:, 3] - a.boxes[:, 1])
        conf_drop = np.nanmedian(ka[..., 2] - kb[..., 2])
        crossed = int(np.sum((ka[..., 2] >= VIS_THRESHOLD) != (kb[..., 2] >= VIS_THRESHOLD)))
    valid = move[~np.isnan(move)]
    t = ref.times - ref.times[0]
    big_at = t[move > big / 100 * height]
    print(f"{stem}: lifter track ref #{a.track_id} (present {a.present.mean():.0%}) vs cand #{b.track_id} "
          f"(present {b.present.mean():.0%}), median box IoU {same_person:.2f}; people per sample ref "
          f"{np.mean(n_ref):.2f} cand {np.mean(n_cand):.2f} (differ on {np.mean(n_ref != n_cand):.0%})")
    print(f"  lifter box height {height:.0f} px; joint move median {np.median(valid):.1f} px, p95 "
          f"{np.percentile(valid, 95):.1f} px, max {valid.max():.1f} px; unmoved samples {np.mean(valid < 0.01):.0%}; "
          f"median confidence drop {conf_drop:+.3f}; joint-samples crossing the visibility gate {crossed} "
          f"of {ok.size}")
    print(f"  samples moving > {big:g} % of the box height: {len(big_at)}"
          + (f" at {', '.join(f'{x:.1f}' for x in big_at[:20])} s" if len(big_at) else ""))


def identical(ref_dir: Path, cand_dir: Path) -> None:
    """Share of samples whose people are bit-identical to the reference (a full look, or a window so wide that
    core.perception.crop ran the whole frame), over every clip whose samples line up."""
    shares, counts = [], []
    for path in sorted(p for p in cand_dir.iterdir() if p.suffix in (".npz", ".pkl")):
        ref = load_trace(trace_in(ref_dir, path.stem))
        cand = load_trace(path)
        if not np.array_equal(ref.frame_index, cand.frame_index):
            continue
        same = [len(a) == len(b) and (len(a) == 0 or np.array_equal(a.keypoints, b.keypoints))
                for a, b in zip(ref.people, cand.people, strict=True)]
        shares.append(np.mean(same))
        counts.append(len(same))
    s, n = np.array(shares), np.array(counts)
    print(f"{cand_dir}: {len(s)} clips; samples identical to the reference: {(s * n).sum() / n.sum():.0%} pooled, "
          f"{s.mean():.0%} mean per clip; clips with >= 95 % identical: {(s >= 0.95).sum()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("stems", nargs="*")
    ap.add_argument("--identical", action="store_true", help="only the share of identical samples, all clips")
    ap.add_argument("--ref", default="/work/cache/traces")
    ap.add_argument("--cand", required=True)
    ap.add_argument("--big", type=float, default=12.0, help="% of the lifter's box height")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    if args.identical:
        identical(Path(args.ref), Path(args.cand))
        return
    for stem in args.stems:
        report(stem, Path(args.ref), Path(args.cand), args.big)


if __name__ == "__main__":
    main()
