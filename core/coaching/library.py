"""What a coach says about each shared fault name: the cue, the why, one drill, and a plain version.

The cues for the deadlift faults follow the published app this project builds on (S0:
neutral spine and braced lats; chest and hips rise together; stop at neutral at lockout).
Stance and lean wording follows S2's on-screen advice ("widen your stance", "lean right to
straighten the shoulders"). Drill doses (sets x reps, pause seconds) are ordinary technique-
work prescriptions at light load; they are advice, not measurements, and they are passed to
Gemini in the findings so that its numbers stay checkable.

``terms`` are the phrases the grounding check looks for in a generated answer to decide which
fault it talks about (lower-case regular expressions).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.judgment.fault_titles import LEGACY_TITLES
from core.judgment.faults.table import ROWS


@dataclass(frozen=True)
class FaultAdvice:
    """Coaching for one fault (or one label of a whole-set judgment)."""

    title: str  # short human name, e.g. "Rounded back"
    cue: str  # what to do on the next set, in one sentence
    why: str  # the reason, in one sentence
    drill: str  # one drill with its dose
    plain: str  # classroom tone: what the measurement means, no jargon
    terms: tuple[str, ...] = ()


def _row_advice(name: str, why: str, drill: str, plain: str, terms: tuple[str, ...] = ()) -> FaultAdvice:
    """Advice for a fault of the fault table: title and cue are its row's (core.judgment.faults.FAULT_TABLE, the one
    home that pages, coaching and the classroom read); why, drill and the plain text are the library's."""
    return FaultAdvice(ROWS[name].title, ROWS[name].cue, why, drill, plain, terms)


FAULT_ADVICE: dict[str, FaultAdvice] = {
    "rounded_back": FaultAdvice(  # reports saved before the fault table split it (SUPERSEDED)
        LEGACY_TITLES["rounded_back"],
        "Brace your core and pull your lats down before the bar leaves the floor; keep a neutral spine "
        "and look slightly up.",
        "A rounded lower back under load moves the work from the hip muscles onto the spine's discs "
        "and ligaments.",
        "Paused deadlifts: 3 sets of 3 at a light weight, pausing 2 s just below the knee with a flat back.",
        "The back bent forward like a banana instead of staying straight like a plank. A straight back "
        "lets the strong hip muscles do the lifting.",
        (r"round(ed|ing)?\s+(upper\s+|lower\s+)?back", r"back\s+round", r"spine\s+flex", r"flexed\s+spine"),
    ),
    "early_hip_rise": _row_advice(
        "early_hip_rise",
        "When the hips shoot up first the knees lock early and the pull turns into a stiff-legged lift "
        "that loads the lower back.",
        "Tempo deadlifts: 3 sets of 3, taking 3 s from the floor to the knee with chest and hips rising "
        "at the same speed.",
        "The hips went up before the shoulders did, so the legs stopped helping and the back had to "
        "do the work.",
        (r"hips?\s+(shoot|shot|ris(e|es|ing)|rose|came\s+up)\s+(up\s+)?(early|first|too\s+soon)",
         r"early\s+hip", r"hips?\s+shoot"),
    ),
    "lockout_overextension": _row_advice(
        "lockout_overextension",
        "Leaning back at the top bends the lower spine backwards under the bar and adds no hip work.",
        "Lockout holds from a rack: 3 holds of 5 s with glutes squeezed and ribs down.",
        "At the top the body leaned backwards past straight. Standing straight is the finish; leaning "
        "back only squeezes the lower back.",
        (r"over-?extend", r"over-?extension", r"hyper-?extend", r"lean(ing|ed)?\s+back"),
    ),
    "insufficient_depth": _row_advice(
        "insufficient_depth",
        "A partial squat leaves the glutes and adductors under-trained and does not count in competition.",
        "Box squats to a box at parallel height: 3 sets of 5, touching the box each rep.",
        "The hips stayed above the knees at the bottom. Going a little deeper trains the whole leg.",
        (r"insufficient\s+depth", r"not\s+deep\s+enough", r"above\s+parallel", r"(lack|short)\s+of\s+depth",
         r"too\s+shallow", r"shallow\s+squat"),
    ),
    "knee_cave": _row_advice(
        "knee_cave",
        "Knees that fall inward twist the knee joint and take work away from the hips.",
        "Banded squats: a light loop band just above the knees, 3 sets of 8, keeping the band tight.",
        "The knees moved towards each other. Knees that track over the toes keep the joint lined up.",
        (r"knees?\s+(cav(e|ed|es|ing)|collaps\w*|buckl\w*)", r"valgus", r"knees?\s+(fall|fell|falling)\s+in"),
    ),
    "forward_lean": _row_advice(
        "forward_lean",
        "Extra forward lean moves the bar ahead of mid-foot, so the lower back does work the legs should do.",
        "Pause squats: 3 sets of 3 with a 2 s pause at the bottom, chest up.",
        "The upper body tipped far forward. A more upright chest keeps the weight over the feet.",
        (r"forward\s+lean", r"lean(ing|ed|s)?\s+(too\s+far\s+)?forward", r"chest\s+(drop|fall|fell|caved)"),
    ),
    "heel_rise": _row_advice(
        "heel_rise",
        "Rising heels put the load on your toes and knees and cost balance.",
        "Goblet squats with a 3 s descent: 3 sets of 8, keeping the heels down.",
        "The heels lifted off the floor. Flat feet give a stable base.",
        (r"heels?\s+(ris\w*|rose|lift\w*|c[ao]me\s+up|com\w*\s+up|off)", r"on\s+(your|the)\s+toes"),
    ),
    "incomplete_lockout": _row_advice(
        "incomplete_lockout",
        "A press that stops short of lockout leaves the triceps under-trained and does not count in "
        "competition.",
        "Pin presses from the top half of the range: 3 sets of 5, locking out each rep.",
        "The arms did not straighten at the top. A full press ends with straight elbows.",
        (r"incomplete\s+lockout", r"arms?\s+(not|never)\s+(fully\s+)?lock", r"short\s+of\s+lockout",
         r"elbows?\s+(stay|stayed)\s+bent",
         r"(not|never|didn'?t)\s+(fully\s+)?lock\w*\s+(your\s+|the\s+)?(arms|elbows)"),
    ),
    "asymmetry": _row_advice(
        "asymmetry",
        "A tilted bar loads one shoulder more and can drift out of the groove.",
        "Single-arm dumbbell presses: 3 sets of 8 per arm, weaker side first.",
        "One side moved differently from the other. Even sides share the load.",
        (r"asymmetr\w*", r"uneven", r"one\s+side\s+(higher|lower|faster|slower)", r"bar\s+tilt"),
    ),
}

FAULT_ADVICE.update({
    "rounded_lower_back": _row_advice(
        "rounded_lower_back",
        "A rounded lower back under load moves the work from the hip muscles onto the spine's discs "
        "and ligaments.",
        "Paused deadlifts: 3 sets of 3 at a light weight, pausing 2 s just below the knee with a flat back.",
        "The lower back bent like a banana instead of staying straight like a plank.",
        (r"round(ed|ing)?\s+(lower\s+)?back", r"back\s+round", r"spine\s+flex", r"flexed\s+spine"),
    ),
    "rounded_upper_back": _row_advice(
        "rounded_upper_back",
        "A rounded upper back at the start lets the bar pull the shoulders forward and off the best line.",
        "Set-up drills: 3 sets of 3 at a light weight, holding 3 s at the floor with chest up before each pull.",
        "At the start the upper back and head curled forward instead of staying in line.",
        (r"round(ed|ing)?\s+upper\s+back", r"thoracic", r"hunch\w*"),
    ),
    "hips_too_low": _row_advice(
        "hips_too_low",
        "Starting with the hips as low as a squat puts the shoulders behind the bar, so the hips shoot up "
        "anyway.",
        "Set-up practice: 3 sets of 3 with an empty bar, shins touching the bar and shoulders just ahead of it.",
        "The hips started about as low as the knees, like a squat, instead of between knees and shoulders.",
        (r"hips?\s+(too\s+low|low\s+at\s+the\s+start)", r"squat(ting)?\s+the\s+(bar|weight)"),
    ),
    "bar_away_from_body": _row_advice(
        "bar_away_from_body",
        "A bar in front of the legs is a longer lever: the back has to hold more and the pull gets harder.",
        "Deadlifts with a 2 s pause at the knee, bar touching the legs: 3 sets of 3 at a light weight.",
        "The bar moved forward, away from the legs. A close bar is a short lever.",
        (r"bar\s+(drift\w*|mov\w*)\s+(away|forward)", r"away\s+from\s+(the|your)\s+(body|legs|shins)"),
    ),
    "bent_arms": _row_advice(
        "bent_arms",
        "Bent arms try to curl the bar and take slack out late, which strains the biceps.",
        "Straight-arm lat pulldowns: 3 sets of 10, then light pulls thinking 'arms are ropes'.",
        "The elbows bent during the pull. In a deadlift the arms just hang like ropes.",
        (r"bent\s+arms?", r"arms?\s+bent", r"elbows?\s+bend\w*", r"bend(ing)?\s+(the\s+|your\s+)?(arms|elbows)"),
    ),
    "hips_not_locked": _row_advice(
        "hips_not_locked",
        "A pull that stops with the hips bent never finishes the rep and leaves the glutes out of it.",
        "Rack pulls from knee height: 3 sets of 5, squeezing the glutes for 2 s at the top.",
        "At the top the hips stayed bent instead of standing straight.",
        (r"hips?\s+not\s+(fully\s+)?locked", r"hips?\s+(stay|stayed)\s+bent",
         r"(not|never|didn'?t)\s+(fully\s+)?lock\w*\s+(out\s+)?(your\s+|the\s+)?hips"),
    ),
})

# Whole-set judgments carry a label; the advice depends on it.
LABELLED_ADVICE: dict[tuple[str, str], FaultAdvice] = {
    ("stance_width", "narrow"): FaultAdvice(
        "Narrow stance",
        "Widen your stance a little, about shoulder width, toes slightly out.",
        "A stance narrower than the lift needs makes balance harder and limits how far the hips can sit.",
        "Stance practice with an empty bar: 2 sets of 5, feet marked on the floor.",
        "The feet were close together. A slightly wider stance is more stable.",
        (r"narrow\s+stance", r"stance\s+(is\s+|was\s+)?(too\s+)?narrow"),
    ),
    ("stance_width", "wide"): FaultAdvice(
        "Wide stance",
        "Bring your feet in a little, about shoulder width, toes slightly out.",
        "A stance wider than the lift needs shortens the range and strains the hips and groin.",
        "Stance practice with an empty bar: 2 sets of 5, feet marked on the floor.",
        "The feet were far apart. A slightly narrower stance fits this lift better.",
        (r"wide\s+stance", r"stance\s+(is\s+|was\s+)?(too\s+)?wide"),
    ),
    ("lateral_lean", "left"): FaultAdvice(
        "Leaning left",
        "Shift your weight back to the middle: lean right until your shoulders are level.",
        "Leaning to one side loads one hip and one knee more than the other.",
        "Mirror sets with an empty bar: 2 sets of 5, checking level shoulders at the top and bottom.",
        "The shoulders tilted to the left. Level shoulders share the weight evenly.",
        (r"lean(ing|ed|s)?\s+(to\s+the\s+)?left", r"left\s+lean", r"lateral\s+lean", r"shift(ed)?\s+left"),
    ),
    ("lateral_lean", "right"): FaultAdvice(
        "Leaning right",
        "Shift your weight back to the middle: lean left until your shoulders are level.",
        "Leaning to one side loads one hip and one knee more than the other.",
        "Mirror sets with an empty bar: 2 sets of 5, checking level shoulders at the top and bottom.",
        "The shoulders tilted to the right. Level shoulders share the weight evenly.",
        (r"lean(ing|ed|s)?\s+(to\s+the\s+)?right", r"right\s+lean", r"lateral\s+lean", r"shift(ed)?\s+right"),
    ),
}

FAULT_NAMES = tuple(FAULT_ADVICE) + ("stance_width", "lateral_lean")


def advice_for(name: str, label: str | None = None) -> FaultAdvice | None:
    """The advice for a fault, or None for a name outside the shared list (e.g. a new model's)."""
    if (name, label or "") in LABELLED_ADVICE:
        return LABELLED_ADVICE[(name, label or "")]
    return FAULT_ADVICE.get(name)


def terms_for(name: str) -> tuple[str, ...]:
    """All phrases that mean this fault, whatever its label."""
    if name in FAULT_ADVICE:
        return FAULT_ADVICE[name].terms
    return tuple(t for (n, _), a in LABELLED_ADVICE.items() if n == name for t in a.terms)


def display_name(name: str, label: str | None = None) -> str:
    """A readable name for any fault, including ones this library does not know."""
    advice = advice_for(name, label)
    return advice.title if advice else name.replace("_", " ").capitalize()
