"""The fault table: one row per fault as coaches name it, with its lifts, phase, views, joints, threshold (ok and bad
value with unit and source), measurement function and coaching cue; and the look-ups on it (rows for a lift,
titles, calibration curves, whether the labelled clips confirmed a cue).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.judgment.calibration import curve, shipped
from core.judgment.faults.measures import (
    Measurement,
    RepContext,
    measure_asymmetry,
    measure_bar_away,
    measure_bent_arms,
    measure_depth,
    measure_early_hip_rise,
    measure_forward_lean,
    measure_heel_rise,
    measure_hips_not_locked,
    measure_hips_too_low,
    measure_knee_cave,
    measure_leaning_back,
    measure_press_lockout,
    measure_rounded_lower_back,
    measure_rounded_upper_back,
)

STANCE_RAMP = 0.4  # shoulder widths beyond the neutral band where the stance score reaches 1


@dataclass(frozen=True)
class Threshold:
    """The ok and bad value of a rule's measurement (the prior of its calibration curve)."""

    ok: float
    bad: float
    unit: str
    source: str


@dataclass(frozen=True)
class FaultRow:
    """One fault as a coach names it."""

    name: str
    title: str  # plain words shown to the lifter
    lifts: tuple[str, ...]
    phase: str  # "set-up", "off the floor", "lockout", "lowering", "bottom", "top", "whole rep", "whole set"
    views: tuple[str, ...]  # estimated camera views that can show it (core.perception.view labels)
    needs: tuple[str, ...]  # keypoint base names it must see (either side, or both when both_sides)
    threshold: Threshold
    measure: Callable[[RepContext], Measurement] | None  # None for whole-set rows (judged in judge_set)
    cue: str  # the one thing to do next set (coaching and classroom use this text)
    both_sides: bool = False
    needs_body_height: bool = False
    styles_excluded: tuple[str, ...] = ()  # deadlift styles where the fault does not apply by design
    per_rep: bool = True


# --- the table ----------------------------------------------------------------------------

SIDEISH = ("side", "oblique")
ANY_VIEW = ("side", "oblique", "front")
_REFIT = "; prior only, refitted on labelled real clips of other lifters (core.judgment.calibration)"

FAULT_TABLE: tuple[FaultRow, ...] = (
    # deadlift: set-up
    FaultRow("hips_too_low", "Hips too low at the start", ("deadlift",), "set-up", SIDEISH, ("hip", "knee"),
             Threshold(25.0, 5.0, "deg thigh above horizontal",
                       "conventional pulls start with the hips between knees and shoulders (Rippetoe, Starting "
                       "Strength 3rd ed.); a thigh near horizontal is a squat start" + _REFIT),
             measure_hips_too_low, "Set your hips higher: shins touch the bar, shoulders just in front of it.",
             styles_excluded=("sumo",)),
    FaultRow("rounded_upper_back", "Rounded upper back at the start", ("deadlift",), "set-up", SIDEISH,
             ("shoulder", "hip", "ear"),
             Threshold(0.0, 0.2, "torso lengths head below the back line",
                       "neutral head continues the back line (0); S0's head-drop cue" + _REFIT),
             measure_rounded_upper_back, "Chest up and shoulders back before you pull; keep your neck in line "
             "with your back."),
    # deadlift: off the floor
    FaultRow("early_hip_rise", "Hips rise first", ("deadlift",), "off the floor", SIDEISH,
             ("shoulder", "hip", "knee"),
             Threshold(4.0, 14.0, "deg the back angle tips forward (or 0.7 x the knees' lead over the hips) in the "
                       "first 40 % of the pull",
                       "a good pull keeps the back angle constant off the floor (Rippetoe, Starting Strength "
                       "3rd ed.)" + _REFIT),
             measure_early_hip_rise, "Push the floor away and lift your chest and hips together."),
    FaultRow("rounded_lower_back", "Rounded lower back", ("deadlift",), "off the floor and lowering", SIDEISH,
             ("shoulder", "hip"),
             Threshold(0.10, 0.22, "fraction the shoulder-hip distance shortens vs standing",
                       "flat-backed pulls show up to ~12 % from pelvis tilt" + _REFIT),
             measure_rounded_lower_back, "Brace your core and pull your lats down before the bar leaves the "
             "floor; keep your back flat all the way up and down."),
    FaultRow("bar_away_from_body", "Bar drifts away from the legs", ("deadlift",), "off the floor", SIDEISH,
             ("wrist",),
             Threshold(4.0, 10.0, "cm horizontal bar drift",
                       "the bar should travel in a near-vertical line over mid-foot, touching the legs "
                       "(Rippetoe, Starting Strength 3rd ed.); prior only"),
             measure_bar_away, "Keep the bar touching your shins and thighs all the way up."),
    FaultRow("bent_arms", "Arms bent while pulling", ("deadlift",), "off the floor", SIDEISH,
             ("shoulder", "elbow", "wrist"),
             Threshold(15.0, 35.0, "deg elbow bend while pulling",
                       "arms hang straight as hooks in a deadlift (Rippetoe); 2-D angle noise ~10°" + _REFIT),
             measure_bent_arms, "Keep your arms straight like hooks; pull with your legs and hips, not your arms."),
    FaultRow("heel_rise", "Heels come up", ("deadlift", "squat"), "whole rep", ANY_VIEW, ("knee", "ankle"),
             Threshold(0.03, 0.11, "shin lengths the ankle rises",
                       "a 2-3 cm heel lift on a ~40 cm shin is ~0.06; ankle jitter ~0.02" + _REFIT),
             measure_heel_rise, "Keep your whole foot on the floor, with your weight over mid-foot."),
    # deadlift: lockout
    FaultRow("hips_not_locked", "Hips not locked out at the top", ("deadlift",), "lockout", SIDEISH,
             ("shoulder", "hip", "knee"),
             Threshold(10.0, 25.0, "deg the hips stay short of straight at the top",
                       "lockout = hips and knees extended (IPF technical rules)" + _REFIT),
             measure_hips_not_locked, "Finish tall: squeeze your glutes until your hips are straight."),
    FaultRow("lockout_overextension", "Leaning back at the top", ("deadlift",), "lockout", SIDEISH,
             ("shoulder", "hip", "knee"),
             Threshold(5.0, 15.0, "deg behind vertical at lockout",
                       "the IPF asks only for an upright finish; keypoint noise gives up to ~8°" + _REFIT),
             measure_leaning_back, "Stand tall at the top and stop there; don't lean back behind the bar."),
    # squat
    FaultRow("insufficient_depth", "Not deep enough", ("squat",), "bottom", ANY_VIEW, ("hip", "knee"),
             Threshold(-5.0, 15.0, "deg thigh above parallel at the bottom",
                       "IPF depth: hip crease below the knee top" + _REFIT),
             measure_depth, "Sit down until your hip crease drops below the top of your knee."),
    FaultRow("knee_cave", "Knees cave in", ("squat",), "bottom", ("front", "oblique"), ("knee", "ankle"),
             Threshold(1.0, 0.7, "knee spread / ankle spread at the bottom",
                       "knees should track over the feet (Myer et al. 2014)" + _REFIT),
             measure_knee_cave, "Push your knees out over your toes on the way up.", both_sides=True,
             needs_body_height=True),
    FaultRow("forward_lean", "Too much forward lean", ("squat",), "bottom", SIDEISH, ("shoulder", "hip"),
             Threshold(40.0, 60.0, "deg trunk from vertical at the bottom",
                       "back squats run ~30-50° (Glassbrook et al. 2017)" + _REFIT),
             measure_forward_lean, "Keep your chest up and drive your upper back into the bar."),
    # bench
    FaultRow("incomplete_lockout", "Arms not locked at the top", ("bench",), "top", ANY_VIEW,
             ("shoulder", "elbow", "wrist"),
             Threshold(10.0, 30.0, "deg the straighter arm stays short of straight at the top",
                       "IPF: arms locked at the finish; a straight arm projects straight from any view" + _REFIT),
             measure_press_lockout, "Finish every rep: press until your elbows are straight."),
    FaultRow("asymmetry", "One side lower than the other", ("bench",), "whole rep", ("front",),
             ("shoulder", "elbow", "wrist"),
             Threshold(0.06, 0.25, "shoulder widths between the hands' heights",
                       "a level bar; prior only (no labelled uneven press in the real data)"),
             measure_asymmetry, "Press evenly with both arms and keep the bar level.", both_sides=True),
    # whole set
    FaultRow("stance_width", "Stance width", ("deadlift", "squat"), "whole set", ("front", "oblique"),
             ("shoulder", "ankle"),
             Threshold(0.0, STANCE_RAMP, "shoulder widths outside the neutral band for the lift and style",
                       "NSCA Essentials 4th ed. ch. 15; sumo is wide by design; prior only"),
             None, "Set your feet for the lift: about hip width for a conventional pull, shoulder width or a "
             "little wider for a squat.", both_sides=True, per_rep=False),
    FaultRow("lateral_lean", "Leaning to one side", ("deadlift", "squat"), "whole set", ("front",),
             ("shoulder",),
             Threshold(2.0, 8.0, "deg shoulder-line tilt", "S2 lateral-lean score; prior only"),
             None, "Keep your shoulders level and stay centred over your feet.", both_sides=True, per_rep=False),
)
ROWS: dict[str, FaultRow] = {r.name: r for r in FAULT_TABLE}
# Stance: ankle spread / shoulder width, neutral band by lift and style (NSCA Essentials 4th ed. ch. 15;
# sumo is set wide by design, ~1.5-3x shoulder width).
STANCE_NEUTRAL: dict[tuple[str, str | None], tuple[float, float]] = {
    ("deadlift", None): (0.45, 1.25), ("deadlift", "sumo"): (1.2, 3.5), ("deadlift", "trap bar"): (0.45, 1.4),
    ("squat", None): (0.8, 1.7),
}


def faults_for(lift: str | None, style: str | None = None, per_rep: bool = True) -> tuple[FaultRow, ...]:
    """The table rows that apply to a lift (and deadlift style)."""
    return tuple(r for r in FAULT_TABLE if lift in r.lifts and r.per_rep == per_rep
                 and (style is None or style not in r.styles_excluded))


def title_of(name: str) -> str:
    row = ROWS.get(name)
    return row.title if row else name.replace("_", " ").capitalize()


def curve_of(name: str, params: dict | None = None) -> tuple[float, float]:
    """(c, k) of a row's calibration curve: fitted in ``params`` (default: the shipped file), else its prior."""
    t = ROWS[name].threshold
    return curve(name, t.ok, t.bad, params)


def confirmed(name: str, params: dict | None = None) -> bool | None:
    """Whether the labelled real clips confirmed a row's cue (None: no labelled data, the prior speaks)."""
    row = (shipped() if params is None else params).get(name)
    return None if row is None else row.get("confirmed")
