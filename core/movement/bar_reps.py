"""A rep is what the bar does: reps read from the tracked barbell, confirmed by the body.

Where the lifter's bar is tracked (side and angled views), a squat or bench rep is the bar leaving its top,
travelling down by at least the lift's minimum range and coming back up to the top; a deadlift rep is the bar
rising from its low point by at least that range to a top. Bar travel that is mostly horizontal (lift-off,
hand-off, re-rack, walk-out) never reaches the vertical range; a stall, a sticking point or a pause at the
bottom is one rep because the bar never got back to the top in between; the bar going down after the last
deadlift lockout has no rise after it. A bar that moves while the lifter's hands do not (somebody else's bar,
the bar leaving the hands) is not the lifter's rep. Ranges are in metres through the plate ruler (a plate is
``PLATE_DIAMETER_M`` across), else through the lifter's height.

Where the bar is not seen well enough (front views, plates edge-on, the plate out of frame) the caller falls
back to the body signal (``core.movement.reps``); each rep says which one found it (``Rep.source``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from core.perception.bar.measure import plate_fits_lifter
from core.skeleton import KP
from core.types import KeypointSeries, Rep

PLATE_DIAMETER_M = 0.45  # m; a standard (IPF/IWF) 20-25 kg plate; bumper plates of every weight share it
STANDING_HEIGHT_M = 1.75  # m; an adult lifter's stature, the ruler when no plate is measured; the lifter's stature
# in px is core.movement.metrics.body_height_px


@dataclass(frozen=True)
class BarRule:
    """How the bar counts one lift. One row per lift; ranges in metres, windows in seconds."""

    lift: str
    min_range_m: float  # the bar must travel at least this far vertically in a rep
    source: str  # where the number comes from


BAR_RULES: dict[str, BarRule] = {r.lift: r for r in (
    BarRule("squat", 0.12, "a quarter squat moves the bar ~0.15-0.25 m (hip-knee geometry: thigh 0.45 m turning "
                           "25-35 deg); walk-out steps and the unrack dip move it < 0.08 m"),
    BarRule("bench", 0.10, "the shortest press (big arch, close grip) moves the bar ~0.2 m; an unrack or a "
                           "hand-off lifts it < 0.08 m"),
    BarRule("deadlift", 0.15, "floor to lockout is 0.45-0.65 m; a re-grip or a bar rolled on the floor moves "
                              "< 0.05 m vertically; a rack pull from the knees still ~0.25 m"),
)}

TOP_RETURN = 0.75  # share of a squat or bench rep's descent the bar must rise back before the next rep may start;
# a failed rep caught low by the pins or spotters never gets back, so its two lows are not two reps
MAX_GAP_S = 1.0  # s; gaps in the bar track up to this long are bridged; longer ones split the track
SMOOTH_HZ = 4.0  # Hz; low-pass of the bar height (a rep's phases last > 0.25 s; tracker jitter is faster)
MIN_COVERAGE = 0.6  # share of a shot's samples in which the bar must be seen for the bar to count it
MIN_REP_S = 0.4  # s; a faster bar excursion is a bounce of the tracker, not a rep
HANDS_SHARE = 0.4  # the wrists' vertical travel over the rep must be at least this share of the bar's
HANDS_SEEN = 0.8  # share of the rep's samples with a wrist seen before the hands may veto a bar rep
NEAR_TOP = 0.1  # share of a rep's range: start and end are where the bar is this close to its top (or floor)


LOCKOUT_SPEED = 0.15  # share of the pull's peak speed: the concentric phase ends when the rise slows below this
LOCKOUT_SHARE = 0.7  # share of the pull's rise that must be done by then (a slow-down at the knees is not lockout)


def lockout_reached(s: np.ndarray, start: int, peak: int) -> int:
    """When a pull got to lockout: the first sample after its fastest rise where it has slowed below
    ``LOCKOUT_SPEED`` of that speed with ``LOCKOUT_SHARE`` of the rise done. Not the highest sample: a held
    lockout drifts and jitters upward for seconds (shrug, lean back, tracker noise), and labels/rep_labels.csv
    times lockout when it is reached."""
    if peak - start < 3:
        return peak
    seg = np.asarray(s[start:peak + 1], np.float64)
    v = np.gradient(seg)
    fastest = int(np.argmax(v))
    rise = seg[-1] - seg[0]
    if v[fastest] <= 0 or rise <= 0:
        return peak
    for i in range(fastest, len(seg)):
        if v[i] < LOCKOUT_SPEED * v[fastest] and seg[i] - seg[0] >= LOCKOUT_SHARE * rise:
            return start + i
    return peak


@dataclass(frozen=True)
class BarPath:
    """The lifter's bar per sample of the analysed series: height in metres (up positive), NaN where unseen."""

    height_m: np.ndarray  # (T,) m above an arbitrary zero, up = positive
    metre_per_px: float
    ruler: str  # "plate" or "body"

    @property
    def seen(self) -> np.ndarray:
        return np.isfinite(self.height_m)


def bar_path(bar_y: np.ndarray | None, plate_px: float | None, body_height_px: float) -> BarPath | None:
    """The bar's height in metres from its image y per sample (px, down positive), with the plate as ruler or,
    without a plate that fits the lifter (core.perception.bar.measure.plate_fits_lifter), the lifter's stature
    (``body_height_px``, px). None without a usable track or ruler."""
    if bar_y is None or np.isfinite(bar_y).sum() < 5:
        return None
    if plate_px is not None and plate_px > 4 and plate_fits_lifter(plate_px, body_height_px):
        scale, ruler = PLATE_DIAMETER_M / float(plate_px), "plate"
    elif np.isfinite(body_height_px) and body_height_px > 20:
        scale, ruler = STANDING_HEIGHT_M / float(body_height_px), "body"
    else:
        return None
    return BarPath(-np.asarray(bar_y, np.float64) * scale, scale, ruler)


LOAD_POINTS = {"squat": ("left_shoulder", "right_shoulder"),  # the bar rests on the upper back
               "bench": ("left_wrist", "right_wrist")}  # the hands hold it over the chest
# Not the deadlift: a lifter's hands also go down and up when bending to grip the bar or to pick up a plate, and
# counted like a bar they added 3 reps on 114 real clips (exact counts 102 -> 99); its joint-angle signal stays


def body_bar_path(lift: str, series: KeypointSeries, body_height_px: float) -> BarPath | None:
    """Where the bar is not tracked, the body points that carry it stand in for it (the shoulders under a squat
    bar, the hands around a bench or deadlift bar), measured with the lifter's height as the ruler."""
    names = LOAD_POINTS.get(lift)
    if names is None:
        return None
    with np.errstate(all="ignore"):
        y = np.nanmean(series.xy[:, [KP[n] for n in names], 1].astype(np.float64), axis=1)
    return bar_path(y, None, body_height_px)


def _segments(seen: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """[a, b) runs of samples where the bar is seen, gaps up to ``max_gap`` samples bridged."""
    idx = np.flatnonzero(seen)
    if not idx.size:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)
    starts = np.r_[idx[0], idx[breaks + 1]]
    ends = np.r_[idx[breaks], idx[-1]] + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


MAX_SPEED_M_S = 3.0  # m/s; faster than any barbell moves (peak concentric speeds stay under ~2 m/s even in a
# snatch pull): a faster step in the track is the tracker jumping to another object, and the samples around it
# are dropped


def _without_jumps(h: np.ndarray, fps: float) -> np.ndarray:
    """The height with the samples on both sides of every impossible step set to NaN (unseen)."""
    h = np.array(h, np.float64)
    idx = np.flatnonzero(np.isfinite(h))
    if idx.size < 2:
        return h
    step = np.abs(np.diff(h[idx])) / (np.diff(idx) / fps)
    for k in np.flatnonzero(step > MAX_SPEED_M_S):
        h[idx[k]] = h[idx[k + 1]] = np.nan
    return h


HANDS_OUTRUN = 2.0  # the wrists travelling more than this many times the bar's range (+ HANDS_SLACK_M) over a
HANDS_SLACK_M = 0.1  # shot means the followed point is not the bar they move (a plate on the floor, the rack)


def _hands_outrun_bar(series: KeypointSeries, a: int, b: int, h: np.ndarray, metre_per_px: float) -> bool:
    """True when the lifter's wrists are seen through most of the stretch and travel far more than the bar."""
    with np.errstate(all="ignore"):
        w = np.nanmean(series.xy[a:b][:, [KP["left_wrist"], KP["right_wrist"]], 1].astype(np.float64), axis=1)
    ok = np.isfinite(w)
    hs = h[np.isfinite(h)]
    if ok.mean() < MIN_COVERAGE or hs.size < 5:
        return False
    wrist = (np.percentile(w[ok], 95) - np.percentile(w[ok], 5)) * metre_per_px
    bar = np.percentile(hs, 95) - np.percentile(hs, 5)
    return wrist > HANDS_OUTRUN * bar + HANDS_SLACK_M


def _smooth(h: np.ndarray, fps: float) -> np.ndarray:
    """Gaps filled linearly, then low-passed at SMOOTH_HZ (both directions, no lag)."""
    ok = np.isfinite(h)
    x = np.interp(np.arange(len(h)), np.flatnonzero(ok), h[ok])
    if len(x) > 15 and fps / 2 * 0.95 > SMOOTH_HZ:
        x = sosfiltfilt(butter(2, SMOOTH_HZ / (fps / 2), output="sos"), x, padlen=min(len(x) - 1, 9))
    return x


AT_BAR_M = PLATE_DIAMETER_M / 2  # m; wrists within this height of the bar's centre are at the bar or behind its plate
AT_BAR_SHARE = 0.5  # share of a rep's samples with the wrists at the bar: the lifter holds it


def _hands_move(series: KeypointSeries, start: int, end: int, bar_travel_m: float, metre_per_px: float,
                bar_m: np.ndarray | None = None) -> bool:
    """True unless the wrists are seen through the rep and barely move while the bar does, away from it.
    ``bar_m``: the bar's height (m, as ``BarPath.height_m``) over the same samples. Wrists at the bar's height
    for most of the rep hold it, or are hidden behind its plate where the pose guesses them (a side view from
    the plate's side): they do not veto it."""
    with np.errstate(all="ignore"):
        w = np.nanmean(series.xy[start:end + 1][:, [KP["left_wrist"], KP["right_wrist"]], 1].astype(np.float64),
                       axis=1)
    seen = np.isfinite(w)
    if seen.mean() < HANDS_SEEN or seen.sum() < 5:  # hands hidden at the bottom (plates, the chest, a spotter):
        return True  # the pose cannot say they stayed put
    if bar_m is not None and len(bar_m) == len(w):
        both = seen & np.isfinite(bar_m)
        if both.sum() >= 5 and np.mean(np.abs(-w[both] * metre_per_px - bar_m[both]) <= AT_BAR_M) >= AT_BAR_SHARE:
            return True
    w = w[seen]
    travel = (np.percentile(w, 95) - np.percentile(w, 5)) * metre_per_px
    return travel >= HANDS_SHARE * bar_travel_m


REST_HOLD_S = 0.25  # s; a rest level (the floor under a deadlift, the top of a squat or bench) is one the bar held
# this long, so a tracker blip (one wrong detection blended into the path over ~0.4 s) is not where the rep
# starts; the shortest held top between touch-and-go reps lasts ~0.2-0.3 s. All 30 sources (docs/decisions.md,
# 2026-12-06, issue 26): counts and per-rep timing unchanged, pull starts > 0.5 s from their label 7 -> 6 of 65


def held_level(g: np.ndarray, a: int, b: int, hold: int) -> float | None:
    """The highest value ``g[a:b]`` kept for ``hold`` consecutive samples (None when the stretch is shorter)."""
    seg = np.asarray(g[a:b], np.float64)
    if hold < 1 or seg.size < hold:
        return None
    return float(np.lib.stride_tricks.sliding_window_view(seg, hold).min(axis=1).max())


def excursions(g: np.ndarray, rng: float, fps: float, need_return: bool) -> list[tuple[int, int, int, bool]]:
    """(start, turn, end) of every excursion of ``g`` away from its rest level and back.

    ``g`` rests high: the bar's height for a squat or bench (rest = the top), minus its height for a deadlift
    (rest = the floor). An excursion begins once ``g`` has fallen ``rng`` below the highest rest value since
    the last one, and closes once it has come back up by ``rng`` and by ``TOP_RETURN`` of the way: a stall,
    a sticking point, a pause or a second bounce at the turn keeps it open (one rep), and so does a rep that
    never gets back (a failed squat caught low). ``need_return`` False: an excursion the clip ends in counts
    too (a deadlift locked out as the clip ends). start is the last sample before the turn within ``NEAR_TOP``
    of the excursion's range from the rest level the bar held before it (``REST_HOLD_S``); end the first after
    it within ``NEAR_TOP`` of its highest point before the next rep (not the held level there: ending at it moved
    the tops of 7 labelled clips earlier, one bench top to more than 0.5 s from its label); turn is its
    lowest point; the flag says it came back."""
    found: list[tuple[int, int, int, int]] = []
    rest, low, out, left = 0, 0, False, 0
    for i, v in enumerate(g.tolist()):
        if not out:
            if v >= g[rest]:
                rest = i
            elif g[rest] - v >= rng:
                out, low, left = True, i, i
        else:
            if v < g[low]:
                low = i
            if v - g[low] >= max(rng, TOP_RETURN * (g[rest] - g[low])):
                found.append((rest, low, i, left))
                out, rest = False, i
    if out and not need_return:
        found.append((rest, low, len(g) - 1, left))
    hold = max(1, int(round(REST_HOLD_S * fps)))
    reps = []
    for k, (rest_i, turn, back, left) in enumerate(found):
        before = held_level(g, found[k - 1][2] if k else 0, left + 1, hold)
        level = g[rest_i] if before is None else before
        near = level - NEAR_TOP * (level - g[turn])
        start = turn - 1
        while start > rest_i and g[start] < near:
            start -= 1
        limit = found[k + 1][0] if k + 1 < len(found) else len(g) - 1
        top_after = back + int(np.argmax(g[back:limit + 1]))
        end = back
        while end < top_after and g[end] < g[top_after] - NEAR_TOP * (g[top_after] - g[turn]):
            end += 1
        if (end - start) / fps >= MIN_REP_S:
            reps.append((start, turn, end, back < len(g) - 1 or not out))
    return reps


CUT_JUMP_M = 0.08  # m; a scene cut across which the bar's height jumps more than this is a new shot for the bar
CUT_SEEN_S = 0.2  # s; the bar must be seen this close to a cut on both sides for the cut to be bridged


def bar_shots(path: BarPath, bounds: list[int], fps: float) -> list[tuple[int, int]]:
    """The stretches [a, b) the bar is counted over: the shots between scene cuts (``bounds``: 0, the cuts,
    the end), joined across a cut where the bar is seen on both sides at the same height. A flash, an exposure
    change or a variable frame rate can look like a cut to the whole picture; the bar says it was one shot."""
    h = path.height_m
    near = max(1, int(round(CUT_SEEN_S * fps)))
    shots = [[bounds[0], bounds[1]]]
    for c, b in zip(bounds[1:-1], bounds[2:], strict=True):
        before, after = h[max(0, c - near):c], h[c:c + near]
        before, after = before[np.isfinite(before)], after[np.isfinite(after)]
        if before.size and after.size and abs(before[-1] - after[0]) <= CUT_JUMP_M:
            shots[-1][1] = b
        else:
            shots.append([c, b])
    return [(a, b) for a, b in shots]


def bar_reps(lift: str, path: BarPath | None, series: KeypointSeries, a: int = 0, b: int | None = None,
             source: str = "bar") -> list[Rep] | None:
    """Reps of ``lift`` in samples [a, b) of ``series`` read from the bar, or None when the bar is not seen in
    enough of them to count (the caller then uses the body). Indices are the series'."""
    rule = BAR_RULES.get(lift)
    b = series.n_frames if b is None else b
    if rule is None or path is None or b - a < 5:
        return None
    fps = series.fps
    height = _without_jumps(path.height_m[a:b], fps)
    seen = np.isfinite(height)
    if seen.mean() < MIN_COVERAGE or _hands_outrun_bar(series, a, b, height, path.metre_per_px):
        return None
    reps: list[Rep] = []
    for s0, s1 in _segments(seen, int(round(MAX_GAP_S * fps))):
        if s1 - s0 < 5:
            continue
        h = _smooth(height[s0:s1], fps)
        pull = lift == "deadlift"
        for start, turn, end, back in excursions(-h if pull else h, rule.min_range_m, fps, need_return=not pull):
            travel = float(np.ptp(h[start:end + 1]))
            if pull:  # lockout: when the bar got to the top, not where the held top's noise peaks
                turn = lockout_reached(h, start, turn)
            if not _hands_move(series, a + s0 + start, a + s0 + end, travel, path.metre_per_px,
                               height[s0 + start:s0 + end + 1]):
                continue
            reps.append(Rep(len(reps), a + s0 + start, a + s0 + turn, a + s0 + end, complete=back, source=source))
    return [dataclasses.replace(r, index=i) for i, r in enumerate(reps)]
