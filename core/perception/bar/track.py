"""Follow barbell ends through a clip: the detector on a few frames a second, optical flow in between.

:class:`BarObserver` is a frame observer for ``core.pipeline.run_pose`` (``observe(frame_index, time_s,
image, scale)``). It keeps only the previous grey frame and a few numbers per frame, so memory stays
bounded whatever the clip length. Every ``detect_every_s`` (and sooner when the flow loses a bar) the
detector finds bar ends and plates; each is matched to a followed bar or starts a new one; between
detections pyramidal Lucas-Kanade flow of corner features inside the plate moves each bar. A bar the
flow loses is *not seen* until the detector finds it again; a bar the detector stops finding is
dropped after ``hold_s``. :func:`choose_bar` then picks the bar that moves with the lifter.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from core.perception.bar.detect import refine_plate
from core.perception.bar.types import PLATE, BarCandidate, BarDetections, BarTrack
from core.skeleton import KP

HOLD_JOINTS = [KP[n] for n in ("left_shoulder", "right_shoulder", "left_wrist", "right_wrist")]  # where a bar is held

DETECT_EVERY_S = 0.2  # s between detector runs while the flow holds (5 per second)
LOST_EVERY_S = 0.1  # s between detector runs while a followed bar is lost by the flow
HOLD_S = 0.5  # s a bar unseen by both flow and detector is held (gap filled); longer = not seen
FLOW_MAX_S = 2.0  # s the flow alone may carry a bar the detector does not confirm (drift bound)
MATCH_PLATES = 0.6  # a detection matches a followed bar within this many plate diameters
MATCH_FRAME = 0.06  # ... or within this share of the image's long side when the plate size is unknown
MIN_POINTS = 3  # flow features needed to move a bar; fewer = lost
MAX_POINTS = 24  # corner features seeded inside a plate
LK_PARAMS = {"winSize": (15, 15), "maxLevel": 2,
             "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03)}
NEAR_BH = 0.12  # ... and counts fully when within this (hands on the bar, bar on the shoulders)
ATTACH_BH = 0.35  # a bar belongs to a lifter when its median distance to a wrist/shoulder is below this
# share of body height (hands hold a deadlift/bench bar; a squat bar sits ~0.1 bh above the shoulders)
MOVES_WITH = 0.7  # correlation of bar height with the hands/shoulders' height: the lifter moves this bar
MOVES_WITH_MAX_BH = 0.8  # ... if also within this many body heights (a bar end in an angled view)
BAR_MIN_SHARE = 0.3  # the bar's vertical travel is at least this share of the lifter's hands/shoulders' (holding
# the bar they travel together; a plate stored on the rack or lying on the floor stays put while they move)
LIFTER_MOVES_BH = 0.1  # ... judged only where the hands/shoulders travel at least this many body heights
MIN_DETECTIONS = 2  # detector hits a candidate needs; one hit carried by flow is a likely false box
STITCH_OVERLAP = 0.1  # a second candidate fills the first's gaps only if they share < 10 % of frames
BACKFILL_S = 0.3  # s of grey frames kept so a bar first found now is followed back (flow) to when it came into view


@dataclass
class _Followed:
    cand_id: int
    x: float  # image px
    y: float
    size: float  # plate diameter image px, NaN for a bare bar end
    last_det_t: float
    pts: np.ndarray | None = None  # (N, 1, 2) float32 flow features
    lost: bool = False
    lost_t: float = float("inf")  # time the flow lost it (inf = not lost)


@dataclass
class _Record:
    row: int
    cand_id: int
    x: float  # source px
    y: float
    size: float  # source px or NaN
    detected: bool


def detection_ends(dets: BarDetections, gray: np.ndarray | None = None) -> list[tuple[float, float, float]]:
    """(cx, cy, plate diameter or NaN) per bar end: a plate's centre, or a bar box outside any plate.

    With ``gray`` (the frame the boxes are in) a plate's centre and diameter are its rim's circle
    (:func:`core.perception.bar.detect.refine_plate`); without it, or when no rim is found, the box's centre and
    longer side.
    """
    ends: list[tuple[float, float, float]] = []
    plates = dets.boxes[dets.classes == PLATE]
    for b in plates:
        rim = refine_plate(gray, b) if gray is not None else None
        if rim is None:
            rim = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, float(max(b[2] - b[0], b[3] - b[1])))
        ends.append(rim)
    for b in dets.boxes[dets.classes != PLATE]:
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        inside = any(p[0] <= cx <= p[2] and p[1] <= cy <= p[3] for p in plates)
        if not inside:
            ends.append((float(cx), float(cy), float("nan")))
    return ends


@dataclass
class BarObserver:
    """Frame observer that follows every bar end in view; :meth:`finish` returns the candidates."""

    detector: object  # core.perception.bar.detect.BarDetector (anything with .detect(image) -> BarDetections)
    detect_every_s: float = DETECT_EVERY_S
    lost_every_s: float = LOST_EVERY_S
    hold_s: float = HOLD_S
    refine: bool = True  # plate centre/diameter from the rim's circle (detection_ends)
    every_sample = True  # (class attribute) sees every sample, posed or not (core.pipeline.run_pose), so its rows
    # are the trace's: the flow between frames is ~2 ms, and a bar followed over the posed frames only changed a
    # verdict (bench/results/still_skip.md)
    _prev: np.ndarray | None = None
    _followed: list[_Followed] = field(default_factory=list)
    _records: list[_Record] = field(default_factory=list)
    _times: list[float] = field(default_factory=list)
    _index: list[int] = field(default_factory=list)
    _last_detect_t: float = -1e9
    _next_id: int = 0
    _recent: deque = field(default_factory=deque)  # (row, time, grey, scale) of the last BACKFILL_S
    _scales: list[float] = field(default_factory=list)  # per row: source px per image px
    _drift: list[tuple[int, int, float, float]] = field(default_factory=list)  # (row, cand, dx, dy) image px
    detect_s: float = 0.0
    track_s: float = 0.0
    n_detect: int = 0

    def observe(self, frame_index: int, time_s: float, image: np.ndarray, scale: float) -> None:
        t0 = time.perf_counter()
        row = len(self._times)
        self._times.append(float(time_s))
        self._scales.append(float(scale))
        self._index.append(int(frame_index))
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)  # observers get the decoded BGR frame (core.pipeline.run_pose)
        if self._prev is not None and self._prev.shape == gray.shape:
            self._flow(self._prev, gray)
        else:
            for f in self._followed:
                f.lost, f.pts = True, None
        since = time_s - self._last_detect_t
        any_lost = any(f.lost for f in self._followed)
        if since >= self.detect_every_s or (any_lost and since >= self.lost_every_s) or since < 0:
            self.track_s += time.perf_counter() - t0
            t1 = time.perf_counter()
            dets = self.detector.detect(image)  # the detector takes BGR, as decoded
            self.detect_s += time.perf_counter() - t1
            self.n_detect += 1
            t0 = time.perf_counter()
            self._last_detect_t = time_s
            first_id = self._next_id
            matched = self._match(detection_ends(dets, gray if self.refine else None), gray, time_s, max(gray.shape))
            for f in self._followed:
                if f.cand_id >= first_id and f.pts is not None:  # new this frame: follow it back in time
                    self._backfill(f, gray)
        else:
            matched = set()
        for f in self._followed:
            f.lost_t = min(f.lost_t, time_s) if f.lost else float("inf")
        self._followed = [f for f in self._followed
                          if time_s - f.last_det_t <= FLOW_MAX_S and time_s - f.lost_t <= self.hold_s]
        for f in self._followed:
            if not f.lost:
                self._records.append(_Record(row, f.cand_id, f.x * scale, f.y * scale,
                                             f.size * scale if f.cand_id in matched else float("nan"),
                                             f.cand_id in matched))
        self._prev = gray
        self._recent.append((row, float(time_s), gray, float(scale)))
        while self._recent and time_s - self._recent[0][1] > BACKFILL_S:
            self._recent.popleft()
        self.track_s += time.perf_counter() - t0

    def followed_now(self) -> list[tuple[float, float, float]]:
        """(x, y, plate diameter) in image px of every bar followed at the last observed frame (the live
        worker's view, core.perception.bar.live); the diameter NaN when not measured yet."""
        scale = self._scales[-1] if self._scales else 1.0
        return [(f.x * scale, f.y * scale, f.size * scale) for f in self._followed if not f.lost]

    # -- internals ---------------------------------------------------------------------------------
    def _flow(self, prev: np.ndarray, gray: np.ndarray) -> None:
        live = [f for f in self._followed if not f.lost and f.pts is not None and len(f.pts)]
        if not live:
            return
        pts = np.concatenate([f.pts for f in live]).astype(np.float32)
        new, ok = _checked_flow(prev, gray, pts)
        start = 0
        for f in live:
            n = len(f.pts)
            sl = slice(start, start + n)
            start += n
            good = ok[sl]
            if good.sum() < MIN_POINTS:
                f.lost, f.pts = True, None
                continue
            d = np.median((new[sl] - pts[sl]).reshape(-1, 2)[good], axis=0)
            f.x += float(d[0])
            f.y += float(d[1])
            f.pts = new[sl][good].reshape(-1, 1, 2)
            if len(f.pts) < 2 * MIN_POINTS:
                f.pts = _seed(gray, f.x, f.y, f.size)
                if f.pts is None:
                    f.lost = True

    def _backfill(self, f: _Followed, gray: np.ndarray) -> None:
        """A bar first detected now was usually in view a few frames before (the detector runs every
        ``detect_every_s``): follow its features back through the kept grey frames with the same
        forward-backward-checked flow, and record it there (flow only, not detected) until they are lost."""
        pts, x, y, later = f.pts, f.x, f.y, gray
        for row, _t, prev, scale in reversed(self._recent):
            if prev.shape != later.shape or pts is None or len(pts) < MIN_POINTS:
                break
            new, ok = _checked_flow(later, prev, pts)
            if ok.sum() < MIN_POINTS:
                break
            d = np.median((new - pts).reshape(-1, 2)[ok], axis=0)
            x, y = x + float(d[0]), y + float(d[1])
            self._records.append(_Record(row, f.cand_id, x * scale, y * scale, float("nan"), False))
            pts, later = new[ok].reshape(-1, 1, 2), prev

    def _match(self, ends: list[tuple[float, float, float]], gray: np.ndarray, t: float, long_side: int) -> set[int]:
        pairs = []
        for i, (x, y, s) in enumerate(ends):
            for j, f in enumerate(self._followed):
                size = s if np.isfinite(s) else f.size
                gate = MATCH_PLATES * size if np.isfinite(size) else MATCH_FRAME * long_side
                d = float(np.hypot(x - f.x, y - f.y))
                if d <= gate:
                    pairs.append((d, i, j))
        used_e: set[int] = set()
        used_f: set[int] = set()
        matched: set[int] = set()
        for _d, i, j in sorted(pairs):
            if i in used_e or j in used_f:
                continue
            used_e.add(i)
            used_f.add(j)
            f = self._followed[j]
            x, y, s = ends[i]
            if not f.lost:  # carried by flow since its last detection: how far the flow drifted
                self._drift.append((len(self._times) - 1, f.cand_id, x - f.x, y - f.y))
            f.x, f.y, f.last_det_t, f.lost = x, y, t, False
            if np.isfinite(s):
                f.size = s
            f.pts = _seed(gray, x, y, f.size)
            f.lost = f.pts is None
            matched.add(f.cand_id)
        for i, (x, y, s) in enumerate(ends):
            if i in used_e:
                continue
            f = _Followed(self._next_id, x, y, s, t, _seed(gray, x, y, s))
            f.lost = f.pts is None
            self._next_id += 1
            self._followed.append(f)
            matched.add(f.cand_id)
        return matched

    def _correct_drift(self) -> None:
        """Spread each detection's correction of the flow back over the flow-only frames since the bar's
        previous detection, linearly in time (flow drifts steadily: motion blur, features on a caption or
        the lifter's hand), so the path meets every detection without a jump."""
        times = np.asarray(self._times)
        by_cand: dict[int, list[_Record]] = {}
        for r in self._records:
            by_cand.setdefault(r.cand_id, []).append(r)
        rows: dict[int, np.ndarray] = {}
        for cand, recs in by_cand.items():
            recs.sort(key=lambda r: r.row)
            rows[cand] = np.array([r.row for r in recs])
        for row_k, cand, dx, dy in self._drift:
            recs = by_cand.get(cand)
            if not recs:
                continue
            k = int(np.searchsorted(rows[cand], row_k))  # the detection's own record
            p = k - 1
            while p >= 0 and not recs[p].detected:
                p -= 1
            if p < 0:
                continue
            span = times[row_k] - times[recs[p].row]
            if span <= 0:
                continue
            for r in recs[p + 1:k]:
                w = (times[r.row] - times[recs[p].row]) / span
                r.x += w * dx * self._scales[r.row]
                r.y += w * dy * self._scales[r.row]

    def finish(self, source: str = "") -> BarTrack:
        """All followed bars as candidates; the default choice is made without a lifter."""
        self._correct_drift()
        self._drift = []  # applied once, even if finish is called again
        n = len(self._times)
        cands: dict[int, BarCandidate] = {}
        for r in self._records:
            c = cands.get(r.cand_id)
            if c is None:
                c = BarCandidate(r.cand_id, np.full((n, 2), np.nan), np.full(n, np.nan), np.zeros(n, bool))
                cands[r.cand_id] = c
            c.xy[r.row] = (r.x, r.y)
            c.size[r.row] = r.size
            c.detected[r.row] = r.detected
        base = BarTrack(np.asarray(self._times), np.asarray(self._index, np.int64), np.full((n, 2), np.nan),
                        None, None, source, tuple(cands.values()), self.detect_s, self.track_s, self.n_detect)
        return choose_bar(base)


def track_jpegs(observer: BarObserver, jpegs, times) -> BarTrack:
    """Run ``observer`` over kept JPEG frames (the live page's recording: frame i = sample i, in the
    keypoints' own pixels) after the set, and return its bar track. The live callback itself does not
    track the bar: a detector run (~70 ms on 2 shared cores) every 0.2 s breaks its frame budget
    (bench/results/bar_live_budget.md)."""
    for i, (jpg, t) in enumerate(zip(jpegs, times, strict=True)):
        bgr = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            continue
        observer.observe(i, float(t), bgr, 1.0)  # observers take the decoded BGR frame
    return observer.finish(getattr(observer.detector, "name", ""))


def _checked_flow(a: np.ndarray, b: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pyramidal Lucas-Kanade flow of ``pts`` from grey frame ``a`` to ``b``: (new points, which ones held),
    a point holding when both directions track it and it comes back within 1 px (forward-backward check)."""
    new, status, _err = cv2.calcOpticalFlowPyrLK(a, b, pts, None, **LK_PARAMS)
    back, status_b, _ = cv2.calcOpticalFlowPyrLK(b, a, new, None, **LK_PARAMS)
    fb = np.linalg.norm((back - pts).reshape(-1, 2), axis=1)
    return new, (status.reshape(-1) == 1) & (status_b.reshape(-1) == 1) & (fb < 1.0)


def _seed(gray: np.ndarray, x: float, y: float, size: float) -> np.ndarray | None:
    """Corner features inside the plate (an ellipse of 0.8 diameter), or a small box round a bare bar end."""
    h, w = gray.shape
    r = 0.4 * size if np.isfinite(size) else 0.02 * max(h, w)
    r = max(r, 4.0)
    x0, y0 = max(0, int(x - r) - 1), max(0, int(y - r) - 1)
    x1, y1 = min(w, int(x + r) + 2), min(h, int(y + r) + 2)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    roi = gray[y0:y1, x0:x1]  # only the plate's square: much cheaper than a masked full frame
    mask = np.zeros_like(roi)
    cv2.circle(mask, (int(round(x)) - x0, int(round(y)) - y0), int(round(r)), 255, -1)
    pts = cv2.goodFeaturesToTrack(roi, MAX_POINTS, 0.01, 3, mask=mask, blockSize=5)
    if pts is None or len(pts) < MIN_POINTS:
        return None
    return (pts + np.array([x0, y0], np.float32)).astype(np.float32)


# -- choosing the lifter's bar ----------------------------------------------------------------------
def _fill_short_gaps(xy: np.ndarray, times: np.ndarray, hold_s: float) -> np.ndarray:
    """Linear fill of gaps of at most ``hold_s`` between two sightings (a short occlusion held)."""
    out = xy.copy()
    seen = np.flatnonzero(np.isfinite(xy[:, 0]))
    for a, b in zip(seen[:-1], seen[1:], strict=True):
        if b - a > 1 and times[b] - times[a] <= hold_s:
            w = (times[a + 1:b] - times[a]) / (times[b] - times[a])
            out[a + 1:b] = xy[a] + w[:, None] * (xy[b] - xy[a])
    return out


def _anchor_fit(cand: BarCandidate, keypoints: np.ndarray | None, height_px: float) -> tuple[float, float]:
    """(median distance in body heights to the nearest confident wrist/shoulder, correlation of the
    candidate's height in frame with the mean wrist/shoulder height): a bar in the hands or on the back
    is near them, and a bar the lifter moves rises and falls with them even when its end is farther
    away (angled views). NaN where not measurable."""
    if keypoints is None or not np.isfinite(height_px) or height_px <= 0:
        return float("nan"), float("nan")
    anchors = keypoints[:, HOLD_JOINTS, :]
    xy = np.where((anchors[..., 2:3] > 0.3), anchors[..., :2], np.nan)
    d = np.hypot(xy[..., 0] - cand.xy[:, None, 0], xy[..., 1] - cand.xy[:, None, 1])
    with np.errstate(all="ignore"):
        dmin = np.nanmin(np.where(np.isfinite(d), d, np.inf), axis=1)
        ay = np.nanmean(xy[..., 1], axis=1)
    dmin = dmin[np.isfinite(dmin)]
    dist = float(np.median(dmin) / height_px) if dmin.size else float("nan")
    both = np.isfinite(ay) & cand.seen
    corr = float("nan")
    if both.sum() >= 8 and np.std(cand.xy[both, 1]) > 0.01 * height_px and np.std(ay[both]) > 0:
        corr = float(np.corrcoef(cand.xy[both, 1], ay[both])[0, 1])
    return dist, corr


def stays_put(cand: BarCandidate, keypoints: np.ndarray | None, height_px: float) -> bool:
    """True for a candidate that stays where it is while the lifter's hands and shoulders travel: a plate
    stored on the rack, or a second bar on the floor, never the bar being lifted. Its vertical travel
    (5th-95th percentile) over the frames it is seen is below ``BAR_MIN_SHARE`` of theirs over the same
    frames, and theirs is at least ``LIFTER_MOVES_BH`` body heights. False where it cannot be told."""
    if keypoints is None or not np.isfinite(height_px) or height_px <= 0:
        return False
    anchors = keypoints[:, HOLD_JOINTS, :]
    with np.errstate(all="ignore"):
        ay = np.nanmean(np.where(anchors[..., 2] > 0.3, anchors[..., 1], np.nan), axis=1)
    both = np.isfinite(ay) & cand.seen
    if both.sum() < 8:
        return False
    lifter = float(np.percentile(ay[both], 95) - np.percentile(ay[both], 5))
    bar = float(np.percentile(cand.xy[both, 1], 95) - np.percentile(cand.xy[both, 1], 5))
    return lifter >= LIFTER_MOVES_BH * height_px and bar < BAR_MIN_SHARE * lifter


def choose_bar(bar: BarTrack, keypoints: np.ndarray | None = None, height_px: float = float("nan"),
               person_track_id: int | None = None, hold_s: float = HOLD_S) -> BarTrack:
    """The bar that moves with the lifter, stitched from candidates that follow each other in time.

    ``keypoints`` (T, 17, 3) of the chosen lifter in source px, aligned with ``bar.times``. Without a
    lifter the candidate seen longest that moves most is taken. Candidates farther than ATTACH_BH body
    heights from the lifter's hands and shoulders, and candidates that stay put while the lifter moves
    (:func:`stays_put`), are never used: the bar is then reported not seen rather than measured at ~0 m/s.
    """
    if not bar.candidates:
        return BarTrack(bar.times, bar.frame_index, np.full((len(bar.times), 2), np.nan), None, person_track_id,
                        bar.source, bar.candidates, bar.detect_s, bar.track_s,
                        bar.n_detect)
    ranked = []
    for c in bar.candidates:
        if c.detected.sum() < MIN_DETECTIONS:
            continue
        dist, corr = _anchor_fit(c, keypoints, height_px)
        seen = int(c.seen.sum())
        motion = float(np.nanstd(c.xy[:, 1])) if seen > 1 else 0.0
        if keypoints is not None and np.isfinite(height_px):
            if stays_put(c, keypoints, height_px):
                continue
            moves_with = np.isfinite(corr) and corr >= MOVES_WITH and dist <= MOVES_WITH_MAX_BH
            if not (dist <= ATTACH_BH or moves_with):
                continue
            near = float(np.clip((ATTACH_BH - dist) / (ATTACH_BH - NEAR_BH), 0, 1)) if np.isfinite(dist) else 0.0
            weight = max(near, corr if moves_with else 0.0, 0.05)
        else:
            weight = 1.0
        ranked.append((-(seen + c.detected.sum()) * weight, -motion, c))
    ranked.sort(key=lambda r: r[:2])
    xy = np.full((len(bar.times), 2), np.nan)
    sizes: list[np.ndarray] = []
    for _a, _m, c in ranked:
        taken = np.isfinite(xy[:, 0])
        overlap = (taken & c.seen).sum() / max(1, c.seen.sum())
        if taken.any() and overlap >= STITCH_OVERLAP:
            continue
        xy[c.seen] = c.xy[c.seen]
        sizes.append(c.size[c.seen & c.detected])
    xy = _fill_short_gaps(xy, bar.times, hold_s)
    all_sizes = np.concatenate(sizes) if sizes else np.zeros(0)
    plate = plate_diameter(all_sizes)
    return BarTrack(bar.times, bar.frame_index, xy, plate, person_track_id, bar.source, bar.candidates,
                    bar.detect_s, bar.track_s, bar.n_detect, plate_support(all_sizes, plate))


RIM_SAME = 0.07  # sizes within this share of each other are one circle of the plate (rim, ring or hub)
RIM_MIN_SHARE = 0.25  # ... and a circle seen on at least this share of the detections is a real one
RIM_SHIFT_STEPS = 20  # most moves of a cluster's centre to its window's median (it settles in 2-4 on real sets)


def plate_support(sizes: np.ndarray, plate: float | None) -> float | None:
    """Share of the measured sizes within RIM_SAME of the chosen diameter ``plate`` (None without either)."""
    s = np.asarray(sizes, float)
    s = s[np.isfinite(s)]
    if not plate or not s.size:
        return None
    return float(np.mean(np.abs(s - plate) <= RIM_SAME * plate))


def plate_diameter(sizes: np.ndarray) -> float | None:
    """The plate's outer diameter from its per-detection sizes: the largest circle seen consistently.

    A plate's rim, its inner rings and its hub are concentric, and in a blurred or dark frame the rim
    fit (:func:`core.perception.bar.detect.refine_plate`) can return an inner ring instead, so the sizes
    of one clip fall in clusters below the rim (a median then lands on whichever cluster is bigger that
    day). The rim is the largest cluster centre that at least ``RIM_MIN_SHARE`` of the sizes agree with
    (within ``RIM_SAME``): from each supported size, largest first, the window's median is moved to the
    median of the sizes within ``RIM_SAME`` of it until it stays put (the cluster's mode), so one or two fits
    a few % wide of the rim (JPEG ringing at the plate's edge) neither pull the ruler up nor decide it.
    Without such a cluster, the median of all."""
    s = np.sort(np.asarray(sizes, float)[np.isfinite(sizes)])
    if not s.size:
        return None
    need = max(2, RIM_MIN_SHARE * s.size)
    lo = np.searchsorted(s, s - RIM_SAME * s, side="left")  # sorted: each size's agreeing sizes are one run
    hi = np.searchsorted(s, s + RIM_SAME * s, side="right")  # (no n x n matrix: 1.2 GB on a 5-minute set)
    tried: set[float] = set()
    for k in np.flatnonzero(hi - lo >= need)[::-1]:
        centre = float(np.median(s[lo[k]:hi[k]]))
        for _ in range(RIM_SHIFT_STEPS):
            if centre in tried:  # converges where a larger start already converged: not a new cluster
                break
            tried.add(centre)
            a = np.searchsorted(s, centre * (1 - RIM_SAME), side="left")
            b = np.searchsorted(s, centre * (1 + RIM_SAME), side="right")
            moved = float(np.median(s[a:b]))
            if moved == centre:
                if b - a >= need:
                    return centre
                break
            centre = moved
    return float(np.median(s))


# -- choosing the lifter by the bar -----------------------------------------------------------------
PLAUSIBLE_LIFTER = 0.8  # a person is a plausible lifter when their lifter score (core.perception.tracking) is at least
# this share of the best's: near-ties, where the ranking by size, centrality and motion alone is a coin toss


def holds_bar(keypoints: np.ndarray, boxes: np.ndarray, bar: BarTrack) -> bool:
    """Whether this person's hands or shoulders stay with one of the bars followed (the test choose_bar
    applies: within ATTACH_BH body heights, or rising and falling with them). The body height is the
    person's median box height (px): less than the stature when bent over, which only makes this stricter."""
    with np.errstate(all="ignore"):
        height = float(np.nanmedian(boxes[:, 3] - boxes[:, 1]))
    if not np.isfinite(height) or height <= 0:
        return False
    for c in bar.candidates:
        if c.detected.sum() < MIN_DETECTIONS:
            continue
        dist, corr = _anchor_fit(c, keypoints, height)
        if dist <= ATTACH_BH or (np.isfinite(corr) and corr >= MOVES_WITH and dist <= MOVES_WITH_MAX_BH):
            return True
    return False


def bar_holder(tracks: list, bar: BarTrack | None):
    """The person holding or carrying the bar when the lifter ranking is a near-tie: among the plausible
    lifters (score >= PLAUSIBLE_LIFTER x the best's, best first), the only one who holds a followed bar
    when the best-ranked holds none. None keeps the ranking (no bar, no tie, nobody or several hold one)."""
    if bar is None or not bar.candidates or len(tracks) < 2 or tracks[0].score <= 0:
        return None
    plausible = [t for t in tracks if t.score >= PLAUSIBLE_LIFTER * tracks[0].score]
    if len(plausible) < 2:
        return None
    holders = [t for t in plausible if holds_bar(t.keypoints, t.boxes, bar)]
    if len(holders) == 1 and holders[0] is not tracks[0]:
        return holders[0]
    return None
