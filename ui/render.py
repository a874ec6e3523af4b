"""Report rendering shared by the upload, live and compare pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.judgment.fault_titles import fault_title
from core.judgment.reading import called_faults, departures, lights_sentence, not_judged_sentence, read_rep, read_report
from core.judgment.standards import BY_NAME, CALL_WORDS, LIGHT_WORDS, referee_light
from core.judgment.verdicts import rep_fault_names, verdict_of
from core.pipeline import NO_REP_PREFIXES
from core.render.figures import angle_timeline, bar_block, bar_paths_figure, lift_joints, velocity_figure
from core.report import Report, plural
from ui.coaching import render_coaching
from ui.upload import upload_types_text


def empty_state() -> None:
    st.info(
        f"**Upload a video of one set** ({upload_types_text()}, up to 10 minutes).\n\n"
        "For the best analysis: film from the side, whole body in frame, camera at hip height, "
        "good light. FormLens counts your reps, recognises the lift and measures every rep; "
        "nothing leaves this computer."
    )


def summary_cards(report: Report) -> None:
    lift = report.lift.get("label") or "unknown"
    style = report.style.get("label")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Lift", lift, help=f"confidence {report.lift.get('confidence', 0):.0%}"
              f" ({report.lift.get('source')})")
    if not report.reps:  # a style is read from the reps: none found, none claimed
        style = None
    c2.metric("Style", style or "—", help="deadlift style" if style else
              "read from the reps: no rep was found" if not report.reps else "only deadlifts have a style")
    c3.metric("Reps", report.rep_count)
    c4.metric("Camera view", report.view.get("label", "unknown"))


# Per-rep table columns of each joint (metric key, header with unit); the lift picks its joints from
# core.skeleton.LIFT_JOINTS, so the table shows the same joints as the chart.
JOINT_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "hip": (("min_hip_deg", "Lowest hip (°)"), ("lockout_hip_deg", "Lockout hip (°)")),
    "knee": (("min_knee_deg", "Lowest knee (°)"),),
    "trunk_lean": (("rom_trunk_lean_deg", "Trunk-lean range (°)"),),
    "elbow": (("min_elbow_deg", "Lowest elbow (°)"), ("lockout_elbow_deg", "Lockout elbow (°)")),
    "shoulder": (("rom_shoulder_deg", "Shoulder range (°)"),),
}


def rep_table(report: Report) -> pd.DataFrame:
    """One row per rep with the lift's own joints only, units in the headers, narrow enough for the page."""
    rows = []
    for r in report.reps:
        m = r.metrics
        row = {"Rep": r.index + 1, "Time (s)": f"{r.start_s:.1f}–{r.end_s:.1f}", "Up (s)": m.get("concentric_s"),
               "Down (s)": m.get("eccentric_s")}
        for joint in lift_joints(report):
            for key, header in JOINT_COLUMNS.get(joint, ()):
                row[header] = m.get(key)
        titles = {f["name"]: fault_title(f) for f in called_faults(r)}
        row["Speed (body heights/s)"] = m.get("mean_concentric_speed_bh_s")
        if m.get("bar_mean_velocity_m_s") is not None:  # the tracked bar (core.perception.bar)
            row["Bar speed (m/s)"] = m.get("bar_mean_velocity_m_s")
            row["Bar ROM (cm)"] = m.get("bar_rom_cm")
            row["Bar drift (cm)"] = m.get("bar_drift_cm")
        row["Faults"] = ", ".join(sorted(titles[n] for n in titles if n in rep_fault_names(r))) or "—"
        row.update(standards_columns(r.standards, r.measurements))
        rows.append(row)
    return pd.DataFrame(rows)


def standards_columns(standards: dict, measurements: dict) -> dict:
    """A rep's referee calls in words (core.judgment.standards), its light and depth margin; empty for reports
    saved before the standards."""
    if not standards:
        return {}
    light = referee_light(standards)
    row = {"Light": LIGHT_WORDS[light] if light else "—"}
    for name, c in standards.items():
        title = BY_NAME[name].title if name in BY_NAME else name
        row[title] = CALL_WORDS.get(c.get("call"), "—")
    depth = measurements.get("depth_margin") or {}
    if depth.get("value") is not None and str(depth.get("unit", "")).startswith("cm"):
        row["Depth margin (cm)"] = round(float(depth["value"]), 1)
    for name, header, unit, digits in MEASUREMENT_COLUMNS:
        m = measurements.get(name) or {}
        if m.get("value") is not None and str(m.get("unit", "")).startswith(unit):
            row[header] = round(float(m["value"]), digits)
    return row


# Coach's measurements shown per rep (core.judgment.standards.MEASUREMENT_UNITS): (name, header, the unit the value
# must have, digits); a value in another unit (thigh lengths where no ruler was found) is left out of the column
MEASUREMENT_COLUMNS = (("velocity_loss", "Velocity loss (%)", "%", 0),
                       ("hips_before_shoulders", "Hips before shoulders (cm)", "cm", 1))


def report_header(report: Report) -> None:
    """What a lifter reads first: lift, style, reps, view, warnings and the one-line form verdict."""
    summary_cards(report)
    for w in report.warnings:
        st.warning(w)
    if report.reps:
        st.markdown(form_summary(report))
    elif not any(w.startswith(NO_REP_PREFIXES) for w in report.warnings):  # the pipeline's own reason is above
        st.warning(no_rep_reason(report))


def report_detail(report: Report, key: str = "report") -> None:
    """The timeline of the lift's joints with rep bands, the per-rep table and the per-rep faults (collapsed)."""
    st.plotly_chart(angle_timeline(report), width="stretch", key=f"{key}_timeline")
    if report.reps:
        st.subheader("Reps")
        st.dataframe(rep_table(report), hide_index=True, width="stretch", key=f"{key}_reps")
        st.caption("Speed is an estimate from the hands' path, in body heights per second "
                   "(enter your height in the sidebar for m/s).")
        if any(r.standards for r in report.reps):
            st.caption("Light: a referee's white (every standard passed) or red (one failed); — when a standard "
                       "could not be seen from this camera or was too close to call. Velocity loss: how much "
                       "slower the bar moved than in the set's fastest rep. Hips before shoulders: how far the hips "
                       "rose before the shoulders moved, out of the bottom or off the floor.")
        for line in departures(report):  # reps that differ from the lifter's own earlier reps
            st.markdown(f":material/trending_up: {line}")
        bar_panel(report, key)
        form_panel(report)
    else:
        st.info("No reps were counted in this clip.")


def report_body(report: Report, key: str = "report") -> None:
    """Cards, warnings, timeline, per-rep table and faults."""
    report_header(report)
    report_detail(report, key)


def bar_panel(report: Report, key: str = "report") -> None:
    """Tracked-barbell path per rep and velocity per rep, with the ruler used (nothing for old reports)."""
    bar = bar_block(report)
    if bar is None:
        return
    st.subheader("Barbell")
    scale = bar.get("scale") or {}
    ruler = {"plate": f"the plate ({bar.get('plate_diameter_px') or 0:.0f} px across)",
             "height": "your height"}.get(scale.get("ruler"))
    note = scale.get("estimate_note")  # why the speed is an estimate, or why the plate seen is not the ruler
    no_scale = ("No scale, so the speed is not in m/s." if note else
                "No scale: no plate was measured and no height given, so the speed is not in m/s.")
    st.caption(f"Bar end tracked in {sum(x is not None for x in bar['x'])} of {len(bar['x'])} frames. "
               + (f"Scale from {ruler}." if ruler else no_scale) + (f" {note}" if note else ""))
    c1, c2 = st.columns(2)
    paths, speed = bar_paths_figure(report), velocity_figure(report)
    if paths is not None:
        c1.plotly_chart(paths, width="stretch", key=f"{key}_bar_paths")
    if speed is not None:
        c2.plotly_chart(speed, width="stretch", key=f"{key}_bar_speed")


def downloads(report: Report, stem: str, key: str = "dl") -> None:
    c1, c2 = st.columns(2)
    c1.download_button("⬇ Report (JSON)", report.to_json(indent=2), file_name=f"{stem}_formlens.json",
                       mime="application/json", key=f"{key}_json")
    c2.download_button("⬇ Reps (CSV)", report.reps_csv(), file_name=f"{stem}_reps.csv", mime="text/csv",
                       key=f"{key}_csv")


def stored_key_frame_gallery(frames: list, report: Report) -> None:
    """Key frames stored with a saved set (JPEG bytes with rep and phase), one collapsed row per rep."""
    if not frames:
        st.caption("No key frames were stored with this set.")
        return
    for rep in report.reps:
        mine = [k for k in frames if k.rep_index == rep.index]
        if not mine:
            continue
        with st.expander(f"Key frames of rep {rep.index + 1}", expanded=False):
            cols = st.columns(min(6, len(mine)))
            for j, k in enumerate(mine):
                cols[j % len(cols)].image(k.jpeg, caption=f"{k.time_s:.2f} s · {k.phase_pct:.0f} % {k.phase}",
                                          width="stretch")


def saved_set_report(report: Report, frames: list, video: bytes | None, title: str, key: str) -> None:
    """A stored set as its full report: the same view as the upload page, from the stored report JSON and
    key frames (the video only if it was kept). Old sets without key frames show what they have."""
    st.subheader(title)
    report_header(report)
    st.markdown("**Coaching**")
    render_coaching(report, key=f"{key}_coaching")
    downloads(report, f"set_{key}", key=f"{key}_dl")
    report_detail(report, key)
    st.markdown("**Key frames**")
    stored_key_frame_gallery(frames, report)
    if video:
        st.markdown("**Video**")
        st.video(video)
    else:
        st.caption("The video was not kept with this set (only measurements and small key frames).")


@st.cache_data(show_spinner="Drawing key frames...", max_entries=8)
def _key_frames(_data: bytes, data_id: str, _analysis, analysis_id: str, blur: bool):
    import io

    from core.render.replay import key_frames

    return key_frames(io.BytesIO(_data), _analysis, per_rep=10, blur_faces=blur)


def key_frame_gallery(data: bytes, analysis, blur: bool) -> None:
    """10 evenly spaced annotated frames per rep, one row of thumbnails per rep."""
    if not analysis.reps:
        st.caption("Key frames appear here once a rep is found.")
        return
    frames = _key_frames(data, str(hash(data)), analysis, _analysis_id(analysis), blur)
    for rep in analysis.reps:
        imgs = [k for k in frames if k.rep == rep.index]
        with st.expander(f"Key frames of rep {rep.index + 1}", expanded=len(analysis.reps) == 1):
            cols = st.columns(5)
            for j, k in enumerate(imgs):
                cols[j % 5].image(k.image, caption=f"{k.time_s:.2f} s {k.phase}", width="stretch")


def _analysis_id(analysis) -> str:
    return f"{analysis.lifter_id}:{[(r.start, r.turn, r.end) for r in analysis.reps]}:{analysis.report.lift}"


@st.cache_data(show_spinner=False, max_entries=8)
def _people_frame(_data: bytes, data_id: str, _analysis, lifter: int):
    import io

    from core.render.replay import people_frame

    return people_frame(io.BytesIO(_data), _analysis)


def people_picker(data: bytes, analysis, key: str) -> None:
    """Numbered boxes on a frame, and a choice of who the lifter is."""
    from core.render.replay import person_numbers

    number = person_numbers(analysis)  # 1..n, as in the warning and on the boxed frame
    ids = list(number)
    if len(ids) > 1:
        img = _people_frame(data, str(hash(data)), analysis, analysis.lifter_id)
        if img is not None:
            st.image(img, caption="People FormLens found (green = analysed)", width=480)
    st.selectbox("Who is the lifter?", ids, index=ids.index(analysis.lifter_id) if analysis.lifter_id in ids else 0,
                 format_func=lambda i: f"Person {number[i]}", key=key)


def rep_editor(analysis, key: str) -> None:
    """Merge a rep with the next one, or split a rep at a time."""
    n = len(analysis.reps)
    if n == 0:
        st.caption("No reps to correct.")
        return
    c1, c2 = st.columns(2)
    with c1:
        if n > 1:
            i = st.number_input("Merge rep", 1, n - 1, 1, key=f"{key}_merge_i")
            if st.button(f"Merge rep {i} with rep {i + 1}", key=f"{key}_merge"):
                st.session_state[f"{key}_action"] = ("merge", int(i) - 1, 0.0)
    with c2:
        j = st.number_input("Split rep", 1, n, 1, key=f"{key}_split_i")
        r = analysis.report.reps[int(j) - 1]
        at = st.number_input("at time (s)", float(r.start_s), float(r.end_s), float(r.turn_s), 0.05,
                             key=f"{key}_split_t")
        if st.button(f"Split rep {j}", key=f"{key}_split"):
            st.session_state[f"{key}_action"] = ("split", int(j) - 1, float(at))


CANT_JUDGE = "can't judge this from this angle"
VERDICT_ICONS = {"fault": ":material/warning:", "fine": ":material/check_circle:", "not_sure": ":material/straighten:",
                 "cannot_judge": ":material/block:"}  # Material Symbols, not emoji (see ui.theme.PAGE_ICONS)
# A referee's call and light drawn in markdown (tables carry CALL_WORDS / LIGHT_WORDS alone): Material Symbols.
CALL_ICONS = {"pass": ":green[:material/check_circle:]", "fail": ":red[:material/cancel:]",
              "borderline": ":orange[:material/help:]", "cant_see": ":gray[:material/visibility_off:]"}
LIGHT_ICONS = {"white": ":material/radio_button_unchecked:", "red": ":red[:material/circle:]"}
VERDICT_WORDS = {"fault": "found", "fine": "looks fine", "not_sure": "measured only (not called: this cue is not "
                 "confirmed across lifters)", "cannot_judge": "can't judge"}
LABEL_WORDS = {"wide": "wide", "narrow": "narrow", "left": "leaning left", "right": "leaning right",
               "neutral": "", None: ""}


def _title(fault: dict) -> str:
    from core.judgment.faults.table import title_of

    return fault.get("title") or title_of(fault["name"])


def unique_faults(faults) -> list[dict]:
    """One entry per fault name (old reports may list a rule and a model under one name): the worst verdict."""
    order = {"fault": 3, "not_sure": 2, "fine": 1, "cannot_judge": 0}
    best: dict[str, dict] = {}
    for f in faults:
        old = best.get(f["name"])
        if old is None or order[verdict_of(f)] > order[verdict_of(old)]:
            best[f["name"]] = f
    return list(best.values())


def fault_line(fault: dict) -> str:
    """One fault as a markdown line in plain words: icon, title, verdict (with confidence in words), evidence.

    No model names and no probabilities here: those are in :func:`fault_details` (an expander)."""
    v = verdict_of(fault)
    label = LABEL_WORDS.get(fault.get("label"), fault.get("label") or "")
    title = _title(fault) + (f" ({label})" if label and v == "fault" else "")
    if v == "cannot_judge":
        return f"{VERDICT_ICONS[v]} **{title}**: {fault['evidence']}"
    words = VERDICT_WORDS[v]
    conf = fault.get("confidence")
    if v in ("fault", "fine") and conf in ("clear", "likely"):
        words = f"{words} ({conf})"
    evidence = fault["evidence"] if fault.get("source", "rule") == "rule" else "seen in how this rep moved"
    return f"{VERDICT_ICONS[v]} **{title}** — {words}: {evidence}"


def measured_words(name: str, value: float | None) -> str | None:
    """A rule's measurement as a number with its unit and the rule's limits ("0.07 shin lengths the ankle
    rises (fine up to 0.03, a fault from 0.11)"), or None when there is no number or no known unit."""
    from core.judgment.faults.table import ROWS

    row = ROWS.get(name)
    if row is None or value is None or value != value:
        return None
    unit = row.threshold.unit
    digits = 0 if unit.startswith(("deg", "cm")) else 2

    def num(x: float) -> str:
        text = f"{x:.{digits}f}"
        return "0" if float(text) == 0 else text

    if unit.startswith("deg "):  # "deg thigh above horizontal" -> "12° thigh above horizontal"
        def with_unit(x: float) -> str:
            return f"{num(x)}° {unit[4:]}"
    else:
        def with_unit(x: float) -> str:
            return f"{num(x)} {unit}"
    ok, bad = row.threshold.ok, row.threshold.bad
    if ok > bad:  # a rule where less is worse (knee spread)
        return f"{with_unit(value)} (fine down to {num(ok)}, a fault at {num(bad)} or less)"
    return f"{with_unit(value)} (fine up to {num(ok)}, a fault from {num(bad)})"


SOURCE_WORDS = {"rule": "measured on the video", "gold": "from a reference pose"}  # else: how the rep moved


def fault_details(fault: dict) -> str:
    """The line for the details expander, in plain words: the fault's title, what was measured (a number with its
    unit and the rule's limits, or nothing), how sure, the phase and where the verdict came from."""
    parts = [f"**{_title(fault)}**"]
    measured = measured_words(fault["name"], fault.get("measure"))
    if measured:
        parts.append(measured)
    parts.append(VERDICT_WORDS[verdict_of(fault)] + (f" ({fault['confidence']})" if fault.get("confidence")
                                                     in ("clear", "likely") else ""))
    if fault.get("phase"):
        parts.append(f"when: {fault['phase']}")
    if verdict_of(fault) != "cannot_judge":  # nothing was measured: no source to name
        source = str(fault.get("source", "rule"))
        parts.append(SOURCE_WORDS.get(source.split(":")[0], "seen in how the rep moved"))
    return ", ".join(parts)


def no_rep_reason(report: Report) -> str:
    """Why a clip has no rep, in plain words: the pipeline's reason (core.pipeline.NO_REP_WARNING, naming the
    person when several were seen), else the general one (an old saved report)."""
    found = next((w for w in report.warnings if w.startswith(NO_REP_PREFIXES)), None)
    return found or ("No rep was found: the lifter did not complete a rep in view (the clip may show only the "
                     "set-up, a hold or part of a rep).")


def form_summary(report: Report) -> str:
    """What the set shows, in plain words: the referee's lights (reps with standards), the technique faults called
    (verdict "fault" only) and, once, what this view could not judge; never a list of "not sure". With no rep at
    all, why (never the camera angle: there was nothing to judge)."""
    if not report.reps:
        return no_rep_reason(report)
    reading = read_report(report)
    judged = [r for r in reading.reps if r.judged]
    if not judged:
        return "FormLens could not judge the form of any rep from this camera angle or visibility."
    parts = [x for x in (lights_sentence(reading),) if x]
    bad = sorted({fault_title(f) for r in judged for f in r.faults})
    n_bad = sum(bool(r.faults) for r in judged)
    with_faults = [r for r in judged if r.faults or r.fine]
    if bad:
        shows = "shows" if n_bad == 1 else "show"
        parts.append(f"{n_bad} of {plural(len(with_faults), 'judged rep')} {shows} a technique fault: "
                     f"{', '.join(bad).lower()}.")
    elif with_faults:
        parts.append(f"No technique fault found in the {plural(len(with_faults), 'rep')} that could be judged.")
    elif not reading.has_standards:
        parts.append(f"No fault found in the {plural(len(judged), 'rep')} that could be judged.")
    if (blind := not_judged_sentence(reading)) is not None:
        parts.append(blind)
    return " ".join(parts)


def standard_line(c) -> str:
    """One referee standard of a rep as a markdown line: icon and call, title, the reason with its number."""
    return f"{CALL_ICONS.get(c.call, '')} {CALL_WORDS.get(c.call, '—')} · **{c.title}**: {c.why}"


def rep_lines(rep) -> list[str]:
    """A rep's lines in the form panel: its standards, the faults called or checked fine, the measurements that
    carry no call (never "not sure"; what this view cannot judge is said once per set, not per rep)."""
    reading = read_rep(rep)
    lines = [standard_line(c) for c in reading.standards]
    lines += [fault_line(f) for f in unique_faults(called_faults(rep)) if verdict_of(f) in ("fault", "fine")]
    lines += [f"{VERDICT_ICONS['not_sure']} **{m.title}** — measured, no call: {m.text}" for m in reading.measured]
    return lines


def form_panel(report: Report) -> None:
    """Per rep: the referee's standards and light, the technique faults called and what was measured without a
    call; whole-set judgments; what this view cannot judge (once); the gold-pose comparison."""
    st.subheader("Form, rep by rep")
    for r in report.reps:
        with st.expander(f"Rep {r.index + 1}: {_rep_verdict(r)}", expanded=False):
            for line in rep_lines(r):
                st.markdown(line)
    shown_set = [f for f in unique_faults(report.set_faults) if verdict_of(f) in ("fault", "fine")]
    if shown_set:
        st.markdown("**Whole set**")
        for f in shown_set:
            st.markdown(fault_line(f))
    if (blind := not_judged_sentence(read_report(report))) is not None:
        st.markdown(f"{VERDICT_ICONS['cannot_judge']} {blind}")
    gold = report.extras.get("gold")
    if gold:
        st.caption(f"Compared with reference poses: {gold['summary']}.")
    calls = " · ".join(f"{CALL_ICONS[k]} {w}" for k, w in CALL_WORDS.items())
    st.caption(f"Referee standards: {calls}. Technique: {VERDICT_ICONS['fault']} found · {VERDICT_ICONS['fine']} "
               f"looks fine · {VERDICT_ICONS['not_sure']} measured only (FormLens does not call a cue that is not "
               f"confirmed across lifters) · {VERDICT_ICONS['cannot_judge']} {CANT_JUDGE}. The strip under the chart "
               "colours each rep: red = a standard failed or a fault was found, green = white light, grey = no "
               "call; hover for the reason.")
    with st.expander("Details (how each verdict was measured)", expanded=False):
        for line in detail_lines(report):
            st.markdown(line)


def detail_lines(report: Report) -> list[str]:
    """How each fault verdict was measured, rep by rep then the whole set (what could not be judged is said once,
    above, not here)."""
    pairs = [(f"Rep {r.index + 1}", f) for r in report.reps for f in unique_faults(called_faults(r))]
    pairs += [("Whole set", f) for f in unique_faults(report.set_faults)]
    return [f"{who}: {fault_details(f)}" for who, f in pairs if verdict_of(f) != "cannot_judge"]


def light_text(reading) -> str:
    """A rep's referee light in markdown (a core.judgment.reading.RepReading with a light): icon, words, and the
    standards that failed."""
    failed = ", ".join(c.title.lower() for c in reading.failed)
    return f"{LIGHT_ICONS[reading.light]} {LIGHT_WORDS[reading.light]}" + (f" ({failed})" if failed else "")


def _rep_verdict(rep) -> str:
    """The expander title of a rep: its light and what failed, the faults found, else "no call"."""
    reading = read_rep(rep)
    bits = []
    if reading.light is not None:
        bits.append(light_text(reading))
    if reading.faults:
        bits.append(f"{VERDICT_ICONS['fault']} " + ", ".join(sorted(fault_title(f) for f in reading.faults)))
    elif reading.fine and reading.light is None:
        bits.append(f"{VERDICT_ICONS['fine']} no fault found")
    if bits:
        return " · ".join(bits)
    if reading.standards and any(c.call != "cant_see" for c in reading.standards):
        return "no light (a standard was too close to call or could not be seen)"
    if reading.measured:
        return "measured, no call"
    return CANT_JUDGE
