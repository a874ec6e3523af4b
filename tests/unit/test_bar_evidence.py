"""The tracked bar deciding: where it sits says which lift (core.perception.bar.evidence, not wired into
core.judgment.lift yet), who moves it says who the lifter is (core.perception.bar.track.bar_holder), and a
plate that stays put while the lifter moves is not the lifter's bar (choose_bar)."""

from __future__ import annotations

import numpy as np

from core.perception.bar.evidence import MAX_BAR_ODDS, bar_lift_loglik, deadlift_or_squat
from core.perception.bar.track import bar_holder, choose_bar
from core.perception.bar.types import BarCandidate, BarTrack
from core.types import Track

T = 60
SHOULDER_Y, TORSO_PX = 300.0, 120.0


def _lift_from_bar(bar_height_torsos: float) -> str:
    bar_y = np.full(T, SHOULDER_Y - bar_height_torsos * TORSO_PX)
    ll = bar_lift_loglik(bar_y, np.full(T, SHOULDER_Y), np.full(T, TORSO_PX))
    return max(ll, key=ll.get)


def test_bar_position_says_the_lift():
    assert _lift_from_bar(0.05) == "squat"  # on the upper back, at the shoulders
    assert _lift_from_bar(-1.0) == "deadlift"  # in the hands at the hips, locked out
    assert _lift_from_bar(1.0) == "bench"  # pressed up from a lying lifter's chest
    assert bar_lift_loglik(np.full(T, np.nan), np.full(T, SHOULDER_Y), np.full(T, TORSO_PX)) is None  # not seen


def _person(track_id: int, x: float, wrist_y: np.ndarray, score: float) -> Track:
    """A standing person 400 px tall at x; wrists (and nothing else confident) at ``wrist_y``."""
    kp = np.zeros((T, 17, 3), np.float32)
    kp[:, :, 0], kp[:, :, 1] = x, 200.0
    kp[:, [9, 10], 1] = wrist_y[:, None]
    kp[:, [9, 10], 2] = 0.9
    kp[:, [5, 6], 1] = 150.0
    kp[:, [5, 6], 2] = 0.9
    boxes = np.tile(np.array([x - 80, 100, x + 80, 500], np.float32), (T, 1))
    return Track(track_id, kp, boxes, score)


def _bar_at(x: float, y: np.ndarray) -> BarTrack:
    xy = np.stack([np.full(T, x), y], axis=1)
    cand = BarCandidate(0, xy, np.full(T, 100.0), np.ones(T, bool))
    return BarTrack(np.arange(T) / 30, np.arange(T), xy, 100.0, candidates=(cand,))


def test_near_tie_goes_to_the_person_holding_the_bar():
    lift = 350 + 60 * np.sin(np.linspace(0, 3 * np.pi, T))  # the bar and the lifter's hands rise and fall
    spotter = _person(1, 200.0, np.full(T, 330.0), score=1.0)  # ranked first, hands still, far from the bar
    lifter = _person(2, 700.0, lift, score=0.9)
    bar = _bar_at(700.0, lift)
    assert bar_holder([spotter, lifter], bar) is lifter
    assert bar_holder([lifter, spotter], bar) is None  # the best-ranked holds it: ranking kept
    far_behind = _person(2, 700.0, lift, score=0.5)
    assert bar_holder([spotter, far_behind], bar) is None  # not a near-tie: the ranking decides


def test_plate_ruler_is_the_rim_not_an_inner_ring():
    """Every cm and m/s is scaled by the plate's diameter. When the rim fit returns the plate's inner ring on
    most frames of a clip (dark or blurred plate), the ruler is still the rim, the largest circle seen on a
    good share of the frames: not the median, which lands on the ring and makes every speed ~30 % too high."""
    from core.perception.bar.track import plate_diameter

    rng = np.random.default_rng(0)
    rim, ring = 180.0, 132.0
    sizes = np.concatenate([rim * (1 + 0.01 * rng.standard_normal(8)), ring * (1 + 0.02 * rng.standard_normal(14))])
    assert abs(plate_diameter(sizes) / rim - 1) < 0.02
    # one stray large box (a hand, the far plate) is not a rim: it is seen once
    assert abs(plate_diameter(np.append(sizes, 260.0)) / rim - 1) < 0.02
    assert plate_diameter(np.array([np.nan])) is None
    # jeffchen_good's plate fits over the live page's kept JPEGs (q85, px): two fits at the JPEG-ringed rim 10 % wide
    # of the rest do not set the ruler (their window's median was 159.5 px: every speed 6 % low)
    jpeg = np.array([148.6, 148.6, 149.5, 150.1, 150.1, 150.6, 153.9, 154.0, 165.0, 165.8])
    assert abs(plate_diameter(jpeg) - 150.1) < 1.0


def test_plate_left_on_the_rack_is_not_the_lifted_bar():
    """A squat in a rack: a stored plate sits at shoulder height on the rack the whole set, the lifter's own
    plate goes down and up with the shoulders. The lifted plate is measured; with only the stored plate in
    view the bar is reported not seen rather than measured at ~0 m/s."""
    squat = 150 + 80 * (1 - np.cos(np.linspace(0, 6 * np.pi, T))) / 2  # shoulders: three squats, 80 px deep
    lifter = _person(1, 400.0, squat + 10, score=1.0)
    lifter.keypoints[:, [5, 6], 1] = squat[:, None]
    kp, height = lifter.keypoints, 400.0
    stored = BarCandidate(0, np.stack([np.full(T, 470.0), np.full(T, 150.0)], axis=1), np.full(T, 100.0),
                          np.ones(T, bool))  # beside the shoulders, detected on every frame
    moving = np.stack([np.full(T, 380.0), squat - 5], axis=1)
    lifted = BarCandidate(1, moving, np.full(T, 100.0), np.arange(T) % 3 == 0)  # blurred: found less often
    both = BarTrack(np.arange(T) / 30, np.arange(T), np.full((T, 2), np.nan), None, candidates=(stored, lifted))
    chosen = choose_bar(both, kp, height)
    assert np.allclose(chosen.xy[:, 1], squat - 5)
    alone = BarTrack(np.arange(T) / 30, np.arange(T), np.full((T, 2), np.nan), None, candidates=(stored,))
    assert not choose_bar(alone, kp, height).seen.any()


def test_mean_bar_speed_is_never_negative():
    """A rep whose bar was not followed through its push (it ends lower than it started) gets no mean speed
    rather than a negative one; a clean rise gets a positive one."""
    from core.perception.bar.measure import rep_bar_metrics

    fps, n = 30.0, 61
    t = np.linspace(0, 1, n)
    clean = np.stack([np.full(n, 200.0), 400 - 200 * t], axis=1)  # rises 200 px steadily
    m = rep_bar_metrics(clean, fps, 0, n - 1, n - 1, True, 0.002)
    assert m["bar_mean_velocity_m_s"] is not None and m["bar_mean_velocity_m_s"] > 0
    # a quick start up, then the followed point sinks (another plate, a hand) and rises again slowly, lower
    lost = np.stack([np.full(n, 200.0), np.interp(t, [0, 0.2, 0.8, 1], [400, 340, 460, 440])], axis=1)
    m = rep_bar_metrics(lost, fps, 0, n - 1, n - 1, True, 0.002)
    assert m["bar_mean_velocity_m_s"] is None or m["bar_mean_velocity_m_s"] > 0


def test_a_push_whose_top_leaves_the_picture_has_no_mean_speed():
    """A squat filmed so tight that the plate leaves the picture near the top: the push's end is not seen, so
    its duration, and its mean speed, are unknown; the same push seen to the top gets one."""
    from core.perception.bar.measure import rep_bar_metrics

    fps, n = 30.0, 46
    t = np.linspace(0, 1.5, n)
    y = 500 - 300 * np.clip((1 - np.cos(np.pi * np.clip(t / 1.2, 0, 1))) / 2, 0, 1)  # up 300 px in 1.2 s, held
    seen = np.stack([np.full(n, 200.0), y], axis=1)
    m = rep_bar_metrics(seen, fps, 0, 0, n - 1, False, 0.002)
    assert m["bar_mean_velocity_m_s"] is not None and m["bar_mean_velocity_m_s"] > 0
    cut = seen.copy()
    cut[t > 0.9] = np.nan  # out of the picture for the last part of the push and the top
    assert rep_bar_metrics(cut, fps, 0, 0, n - 1, False, 0.002)["bar_mean_velocity_m_s"] is None


def test_bar_on_the_back_or_in_the_hands_tips_squat_or_deadlift_but_never_alone():
    """Where the lifter's bar sits moves the deadlift/squat odds (on the back: squat; in the hands below the
    hips: deadlift), by at most MAX_BAR_ODDS either way, so a bar followed on the wrong object can make a clear
    call "not sure" but never overturn it by itself; a bar not seen says nothing."""
    shoulders, torso = np.full(T, SHOULDER_Y), np.full(T, TORSO_PX)
    on_back = deadlift_or_squat(np.full(T, SHOULDER_Y - 0.4 * TORSO_PX), shoulders, torso)
    in_hands = deadlift_or_squat(np.full(T, SHOULDER_Y + 1.3 * TORSO_PX), shoulders, torso)
    assert on_back["squat"] > 1 > on_back["deadlift"] and in_hands["deadlift"] > 1 > in_hands["squat"]
    far_off = deadlift_or_squat(np.full(T, SHOULDER_Y - 5 * TORSO_PX), shoulders, torso)
    assert far_off["squat"] / far_off["deadlift"] <= MAX_BAR_ODDS * (1 + 1e-9)
    assert deadlift_or_squat(np.full(T, np.nan), shoulders, torso) is None


def test_a_plate_the_size_of_half_the_lifter_is_not_the_ruler():
    """A 450 mm plate spans about a quarter of its lifter's stature; a box half as tall as the lifter (a plate
    stacked near the camera) is not used to turn pixels into metres, and the report says why."""
    from core.movement.bar_reps import bar_path
    from core.perception.bar.measure import PLATE_MISMATCH_NOTE, choose_scale, plate_fits_lifter

    stature = 700.0
    assert plate_fits_lifter(0.28 * stature, stature) and plate_fits_lifter(180.0, float("nan"))
    assert not plate_fits_lifter(0.75 * stature, stature) and not plate_fits_lifter(None, stature)
    assert choose_scale(0.28 * stature, 0.45, stature, None, "side").ruler == "plate"
    wrong = choose_scale(0.75 * stature, 0.45, stature, None, "side")
    assert wrong.ruler is None and wrong.m_per_px is None and PLATE_MISMATCH_NOTE in wrong.estimate_note
    by_height = choose_scale(0.75 * stature, 0.45, stature, 1.80, "side")
    assert by_height.ruler == "height" and "No plate was measured" not in by_height.estimate_note  # no contradiction
    y = np.linspace(800, 400, 30)
    assert bar_path(y, 0.75 * stature, stature).ruler == "body"
    assert bar_path(y, 0.28 * stature, stature).ruler == "plate"


def test_a_plate_measured_as_two_circles_makes_the_speed_an_estimate():
    """When the plate's sizes fall in two circles (its rim and an inner ring the rim fit caught), the circle taken
    as the ruler can flip with the picture's quality: the speed is still given, with a note that it may be off."""
    from core.perception.bar.measure import PLATE_UNSURE_NOTE, choose_scale
    from core.perception.bar.track import plate_diameter, plate_support

    rng = np.random.default_rng(0)
    clean = 200 * (1 + 0.02 * rng.standard_normal(20))
    two = np.concatenate([200 * (1 + 0.02 * rng.standard_normal(10)), 150 * (1 + 0.02 * rng.standard_normal(10))])
    sure = choose_scale(plate_diameter(clean), 0.45, 760.0, None, "side", plate_support(clean, plate_diameter(clean)))
    assert sure.ruler == "plate" and sure.estimate_note is None
    plate = plate_diameter(two)
    unsure = choose_scale(plate, 0.45, 760.0, None, "side", plate_support(two, plate))
    assert unsure.ruler == "plate" and unsure.m_per_px == 0.45 / plate and PLATE_UNSURE_NOTE in unsure.estimate_note
    assert plate_support(two, None) is None and plate_support(np.zeros(0), 200.0) is None
