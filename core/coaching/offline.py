"""The offline coach: deterministic templates filled only from the findings.

Every number it writes comes from the findings, so it passes the same grounding check as a
Gemini answer. It names the reps, quotes the evidence, and gives one cue, the why and one drill
per fault, or, when no fault was found, coaches on the measured tempo and angles.
"""

from __future__ import annotations

from typing import Any

from core.coaching.base import CoachingText, Tone, check_tone
from core.coaching.library import advice_for, display_name
from core.report import plural
from core.skeleton import LIFT_WORDS

SLOWDOWN_PCT = 20  # %: lifting phase this much longer on the last rep than the first = the set got hard
SPEEDUP_PCT = -10  # %: this much shorter = the first rep was a warm-up or the groove improved
MAX_REP_LINES = 6  # per-rep measurement lines before the rest is summarised
SHORT_MAX_CHARS = 140  # one line on the live screen at classroom projector size

VIEW_PHRASES = {"side": "filmed from the side", "front": "filmed from the front", "rear": "filmed from behind",
                "oblique": "filmed at an angle", "unknown": "camera view unclear"}
LIFT_NAMES = {**{lift: words.capitalize() for lift, words in LIFT_WORDS.items()}, "unknown": "Unrecognised lift"}


def rep_list(reps: list[int]) -> str:
    """'rep 2', 'reps 1 and 3', 'reps 1, 2 and 4'."""
    if len(reps) == 1:
        return f"rep {reps[0]}"
    return "reps " + ", ".join(str(r) for r in reps[:-1]) + f" and {reps[-1]}"


class OfflineCoach:
    """Template coach; needs no key and no network."""

    source = "offline"

    def write(self, findings: dict[str, Any], tone: Tone = "lifter") -> CoachingText:
        """Full and short text from the findings alone; same findings, same words."""
        tone = check_tone(tone)
        body = _classroom_text(findings) if tone == "classroom" else _lifter_text(findings)
        return CoachingText("offline", body, short_version(findings), None, tone)


def _headline(f: dict[str, Any]) -> str:
    lift = LIFT_NAMES.get(f["lift"], f["lift"].capitalize())
    style = f" ({f['style']})" if f.get("style") else ""
    n = f["rep_count"]
    view = VIEW_PHRASES.get(f["view"], f"filmed from the {f['view']}")
    return f"**{lift}{style}, {plural(n, 'rep')}, {view}.**"


def _lifter_text(f: dict[str, Any]) -> str:
    parts = [_headline(f)]
    if f["rep_count"] == 0:
        parts.append(_no_reps_advice(f))
        return "\n\n".join(parts + _notes(f))
    parts += [x for x in (_referee_block(f),) if x]
    parts += [_fault_block(i + 1, fault) for i, fault in enumerate(f["faults"] + f["set_faults"])]
    parts.append(_verdict(f))
    parts.append(_measurements(f))
    parts += [x for x in (_tempo(f), _deviation_line(f), _blind_line(f)) if x]
    parts.append(_next_set(f))
    return "\n\n".join(parts + _notes(f))


CALL_TEXT = {"fail": "failed", "borderline": "too close to call", "cant_see": "could not be seen"}


def _referee_block(f: dict[str, Any]) -> str | None:
    """The referee's calls per rep (only the calls that were made): lights, then each failed, too-close or unseen
    standard with its reason; standards that passed in every rep are named once."""
    reps = f.get("standards") or []
    if not reps:
        return None
    white = [r["rep"] for r in reps if r["light"] == "white"]
    red = [r["rep"] for r in reps if r["light"] == "red"]
    head = ["**Referee standards.**"]
    if white:
        head.append(f"White light: {rep_list(white)}.")
    if red:
        head.append(f"Red light: {rep_list(red)}.")
    lines = [" ".join(head)]
    passed_everywhere = sorted({c["title"] for r in reps for c in r["calls"].values()}
                               - {c["title"] for r in reps for c in r["calls"].values() if c["call"] != "pass"})
    if passed_everywhere:
        lines.append(f"- Passed in every rep: {', '.join(t.lower() for t in passed_everywhere)}.")
    for r in reps:
        for c in r["calls"].values():
            if c["call"] != "pass":
                lines.append(f"- Rep {r['rep']}, {c['title'].lower()} {CALL_TEXT.get(c['call'], c['call'])}: "
                             f"{c['why']}.")
    lines += [f"- {x}" for x in f.get("changes_from_earlier_reps", [])[:MAX_REP_LINES]]
    return "\n".join(lines[:1 + MAX_REP_LINES * 3])


def _fault_block(i: int, fault: dict[str, Any]) -> str:
    advice = advice_for(fault["name"], fault.get("label"))
    title = fault["title"]
    if "reps" in fault:
        lines = [f"**{i}. {title}: {rep_list(fault['reps'])}.**"]
        lines += [f"- Rep {e['rep']}: {e['text']}" for e in fault["evidence"] if e.get("text")]
    else:
        lines = [f"**{i}. {title} (whole set).**", f"- {fault['evidence']}" if fault.get("evidence") else ""]
    if advice:
        lines += [f"- Cue: {advice.cue}", f"- Why: {advice.why}", f"- Drill: {advice.drill}"]
    return "\n".join(x for x in lines if x)


def _verdict(f: dict[str, Any]) -> str:
    if not f["form_checks_run"]:
        return ("Form-fault checks are not in this report, so this note coaches on the measurements only; "
                "it does not say the form was good or bad.")
    names = ", ".join(display_name(n).lower() for n in f["checked_and_fine"])
    if not f["faults"] and not f["set_faults"]:
        return (f"No technique fault was found. Checked and fine: {names}." if names
                else "No technique fault was found.")
    good = (f"Good {rep_list(f['good_reps'])}: no fault found." if f["good_reps"]
            else "No rep was free of faults and failed standards.")
    return good + (f" Checked and fine: {names}." if names else "")


def _metric_phrase(row: dict[str, Any]) -> str:
    labels = (("lowest_hip_angle_deg", "hips {}° at the bottom"), ("lockout_hip_angle_deg", "hips {}° at lockout"),
              ("lockout_knee_angle_deg", "knees {}° at lockout"), ("bottom_knee_angle_deg", "knees {}° at the bottom"),
              ("bottom_hip_angle_deg", "hips {}° at the bottom"), ("trunk_lean_range_deg", "trunk lean range {}°"),
              ("elbow_range_deg", "elbow range {}°"), ("lockout_elbow_angle_deg", "elbows {}° at lockout"),
              ("lifting_phase_s", "lifting phase {} s"), ("bar_drift_body_heights", "bar drift {} body heights"))
    bits = [text.format(row[key]) for key, text in labels if key in row]
    if not row.get("complete", True):
        bits.append("the clip ends before the return")
    return ", ".join(bits) if bits else "not measurable"


def _measurements(f: dict[str, Any]) -> str:
    rows = f["reps"][:MAX_REP_LINES]
    lines = ["**Measured per rep** (angles: 180° = joint straight):"]
    lines += [f"- Rep {r['rep']}: {_metric_phrase(r)}." for r in rows]
    if len(f["reps"]) > MAX_REP_LINES:
        lines.append(f"- Reps {MAX_REP_LINES + 1} to {f['rep_count']}: see the rep table.")
    return "\n".join(lines)


def _tempo(f: dict[str, Any]) -> str | None:
    s = f["set_summary"]
    if not s:
        return None
    change = s["lifting_phase_change_pct"]
    head = (f"Tempo: the lifting phase went from {s['first_rep_lifting_phase_s']} s on the first rep to "
            f"{s['last_rep_lifting_phase_s']} s on the last ({change:+d} %); slowest was rep {s['slowest_rep']} "
            f"({s['slowest_lifting_phase_s']} s).")
    if change >= SLOWDOWN_PCT:
        return head + " The bar slowed down, so the set was getting hard: end the set when reps slow this much."
    if change <= SPEEDUP_PCT:
        return head + " You got faster through the set, so there is room for more load or more reps."
    return head + " The speed stayed steady across the set."


def _deviation_line(f: dict[str, Any]) -> str | None:
    devs = f["largest_deviations"]
    if not devs:
        return None
    items = [f"{d['keypoint'].replace('_', ' ')} {d['deviation_body_heights']} body heights"
             + (f" (rep {d['rep']})" if "rep" in d else "") for d in devs]
    return "Largest differences from good form, largest first: " + "; ".join(items) + "."


def _blind_line(f: dict[str, Any]) -> str | None:
    blind = f["not_judgeable_from_this_view"]
    if not blind:
        return None
    items = [f"{b['title'].lower()} ({b['why']})" if b.get("why") else b["title"].lower() for b in blind]
    return f"Not judged from this {f['view']} view: " + "; ".join(items) + "."


def _next_set(f: dict[str, Any]) -> str:
    faults = f["faults"] + f["set_faults"]
    if faults:
        advice = advice_for(faults[0]["name"], faults[0].get("label"))
        cue = advice.cue if advice else f"work on {faults[0]['title'].lower()}"
        return f"**Next set, one thing:** {cue}"
    s = f["set_summary"]
    if s and s["lifting_phase_change_pct"] >= SLOWDOWN_PCT:
        return (f"**Next set, one thing:** keep the load and aim to lift rep {s['slowest_rep']} as fast as rep "
                f"{s['fastest_rep']} ({s['fastest_lifting_phase_s']} s).")
    if f["view"] != "side":
        return ("**Next set, one thing:** film from the side at hip height, so back angle, depth and hip "
                "timing can be judged.")
    return "**Next set, one thing:** keep this setup and tempo, and film again to compare."


def _no_reps_advice(f: dict[str, Any]) -> str:
    return ("No rep was counted, so there is nothing to coach yet. Film the whole set from the side at hip "
            "height, with the lifter in frame from the floor to above the head, and choose the lift by hand "
            "if it was not recognised.")


def _notes(f: dict[str, Any]) -> list[str]:
    return [f"_Note: {w}_" for w in f["warnings"]]


def short_version(f: dict[str, Any]) -> str:
    """One line for the live screen: the worst fault and its cue, or the set's key number."""
    faults = f["faults"] + f["set_faults"]
    if f["rep_count"] == 0:
        line = "No rep counted yet: film the whole set from the side."
    elif faults:
        top = faults[0]
        where = rep_list(top["reps"]).capitalize() if "reps" in top else "Whole set"
        advice = advice_for(top["name"], top.get("label"))
        line = f"{where}: {top['title'].lower()}. {advice.cue if advice else ''}".strip()
    else:
        times = [r["lifting_phase_s"] for r in f["reps"] if "lifting_phase_s" in r]
        verdict = "no fault found" if f["form_checks_run"] else "measured"
        tempo = f", lifting phase {min(times)}-{max(times)} s" if len(times) > 1 else (
            f", lifting phase {times[0]} s" if times else "")
        line = f"{plural(f['rep_count'], str(f['lift']) + ' rep')} {verdict}{tempo}."
    return line if len(line) <= SHORT_MAX_CHARS else line[: SHORT_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _classroom_text(f: dict[str, Any]) -> str:
    parts = [_headline(f), "**What the camera measured.** FormLens follows 17 points on the body (shoulders, "
             "hips, knees, ankles...) and measures the angles between them. An angle of 180° means the joint "
             "is straight; smaller numbers mean it is more bent."]
    if f["rep_count"]:
        parts.append(_measurements(f))
    faults = f["faults"] + f["set_faults"]
    meaning = ["**What it means.**"]
    for fault in faults:
        advice = advice_for(fault["name"], fault.get("label"))
        where = rep_list(fault["reps"]) if "reps" in fault else "the whole set"
        meaning.append(f"- {fault['title']} ({where}): {advice.plain if advice else fault.get('evidence', '')}")
    if not faults:
        meaning.append("- " + _verdict(f))
    tempo = _tempo(f)
    if tempo:
        meaning.append("- " + tempo + " Lifting speed shows how heavy the load feels: reps slow down as "
                       "muscles tire.")
    parts.append("\n".join(meaning))
    blind = _blind_line(f)
    if blind:
        parts.append(blind + " A camera sees only what faces it, so some checks need another angle.")
    parts.append("**Try this.** " + _next_set(f).split("** ", 1)[-1])
    return "\n\n".join(parts + _notes(f))
