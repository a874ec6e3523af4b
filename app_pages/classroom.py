"""Classroom: roster, a set per student, class summary and a teaching panel; projector-friendly."""

from __future__ import annotations

import streamlit as st

from core.coaching.spoken import count_phrase
from core.judgment.faults.table import title_of
from core.judgment.standards import BY_NAME as STANDARD_ROWS
from core.records.classroom import DISPLAY_MODES, FAULT_CUES, display_names, summarise_class
from core.records.compare import best_rep
from core.records.export import class_summary_csv, printable_html
from core.records.history import set_trend
from ui import session, speech
from ui.auth import hand_to_students, require_signin
from ui.classroom import student_result
from ui.confirm import confirm_delete
from ui.render import LIGHT_ICONS
from ui.storage import key_frame_strip, md_escape, plural, projector_style, store, upload_and_save
from ui.student import student_view

STEPS = ["Roster", "Record a set", "Class summary", "Teaching panel"]

session.init()
access = require_signin("classroom")
db = store()
if access.is_student:  # a student device: record a set and see its own result, no roster or other sets
    student_view(db, access)
    st.stop()
with st.sidebar:
    projector = st.toggle("Projector mode (large type, high contrast)", value=False, key="cls_projector")
    speak_count = st.toggle("Speak the rep count", value=False, key="cls_speak",
                            help="This browser says each recorded set's rep count aloud (its own voice: nothing is "
                                 "downloaded, no audio leaves this computer).")
    mode = st.radio("Show students as", DISPLAY_MODES, index=0, key="cls_names",
                    format_func={"numbers": "Numbers (anonymous)", "initials": "Initials", "names": "Full names"}.get)
projector_style(projector)
st.title("Classroom")

with st.expander("New class", expanded=not db.classrooms()):
    class_name = st.text_input("Class name", key="cls_new_class", max_chars=120)
    if st.button("Create class", key="cls_create"):
        try:
            db.add_classroom(class_name)
            st.rerun()
        except ValueError as err:
            st.error(str(err))
classes = {c.id: c for c in db.classrooms()}
if not classes:
    st.info("Create a class to start: then add students and record a set for each.")
    st.stop()
class_id = st.selectbox("Class", list(classes), key="cls_class", format_func=lambda i: classes[i].name)
hand_to_students(class_id, classes[class_id].name)
roster = db.athletes(class_id)
shown = dict(zip([a.id for a in roster], display_names([a.name for a in roster], mode), strict=True))
step = st.radio("Show", STEPS, horizontal=True, key="cls_step")  # one thing at a time

if step == "Roster":
    st.header(plural(len(roster), "student"))
    for a in roster:
        st.markdown(f"- {md_escape(shown[a.id])} · {plural(a.n_sessions, 'set')}")
    new_student = st.text_input("Add a student (full name; shown anonymised by default)", key="cls_new_student",
                                max_chars=120)
    if st.button("Add student", key="cls_add_student"):
        try:
            db.add_athlete(new_student, class_id)
            st.rerun()
        except ValueError as err:
            st.error(str(err))
    confirm_delete("Delete this class", f"the class {classes[class_id].name} with its "
                   f"{plural(len(roster), 'student')} and all their sets", lambda c=class_id: db.delete_classroom(c),
                   key="cls_delete")
    st.stop()

if step == "Record a set":
    if not roster:
        st.info("Add students to the roster first.")
        st.stop()
    student = st.selectbox("Student", list(shown), key="cls_student", format_func=shown.get)
    set_id = upload_and_save(db, student, key="cls_upload", classroom_id=class_id)
    if set_id is not None:  # show the student their own result, not only "Saved"
        report = db.load_report(set_id)
        student_result(report, shown[student])
        if speak_count:
            speech.speak([count_phrase(set_id, report.rep_count)])
    st.stop()

sets = db.sessions(classroom_id=class_id)
by_student = {a.id: [(s.id, db.load_report(s.id)) for s in sets if s.athlete_id == a.id] for a in roster}
summary = summarise_class(by_student)
if not sets:
    st.info("No sets recorded for this class yet: choose 'Record a set'.")
    st.stop()

if step == "Class summary":
    st.header("Class summary")
    st.metric("Students with a recorded set", f"{summary.n_students} of {len(roster)}")
    if summary.most_common_fault:
        st.metric("Most common fault", title_of(summary.most_common_fault),
                  help=f"{summary.students_with_fault[summary.most_common_fault]} students showed it")
        st.success(f"Cue for the class: {summary.cue}")
    elif summary.students_with_fail:  # no fault found, but a referee standard failed: teach that
        name, n = max(summary.students_with_fail.items(), key=lambda kv: kv[1])
        st.metric("Most common red light", STANDARD_ROWS[name].title, help=f"{n} students failed it")
        st.success(f"Cue for the class: {STANDARD_ROWS[name].cue}")
    else:
        st.success("No form faults were detected in this class's sets.")
    for fault, n in summary.students_with_fault.items():
        st.markdown(f"**{title_of(fault)}**: {n} of {summary.n_students} students")
    for name, n in summary.students_with_fail.items():  # referee standards a rep failed (red light)
        std = STANDARD_ROWS[name]
        st.markdown(f"{LIGHT_ICONS['red']} **{std.title}** failed: {n} of {summary.n_students} students. "
                    f"Cue: {std.cue}")
    names = [shown[s.athlete_id] for s in sets]
    trends = [set_trend(s.id, s.recorded_at, r) for s in sets for sid, r in by_student[s.athlete_id] if sid == s.id]
    c1, c2 = st.columns(2)
    c1.download_button("⬇ Class summary (CSV)", class_summary_csv(summary), file_name="formlens_class.csv",
                       mime="text/csv", key="cls_csv")
    c2.download_button("⬇ Printable class report (HTML)",
                       printable_html(f"FormLens class: {classes[class_id].name}", names, trends, summary),
                       file_name="formlens_class.html", mime="text/html", key="cls_html")
    st.stop()

st.header("Teaching panel")
thumbs_per_row = 2 if projector else 3  # key frames large enough to see from the back of a room
owner_of = {s.id: s.athlete_id for s in sets}
if summary.students_with_fail:  # a referee standard failed: teach it with the class's own reps
    name = st.selectbox("Standard a rep failed", list(summary.students_with_fail), key="cls_standard",
                        format_func=lambda n: STANDARD_ROWS[n].title)
    st.subheader(f"{LIGHT_ICONS['red']} {STANDARD_ROWS[name].title}")
    st.markdown(f"**Cue:** {STANDARD_ROWS[name].cue}")
    for set_id, rep in summary.fail_examples.get(name, [])[:3]:
        key_frame_strip([k for k in db.key_frames(set_id) if k.rep_index == rep], shown[owner_of[set_id]],
                        per_row=thumbs_per_row)
if not summary.students_with_fault and summary.students_with_fail:
    st.stop()
if not summary.students_with_fault:
    st.info("No faults to teach from this class's clips. Here is good form from the class:")
    for student, student_sets in by_student.items():
        for set_id, report in student_sets:
            if report.reps:
                good = best_rep(report)
                key_frame_strip([k for k in db.key_frames(set_id) if k.rep_index == good], shown[student],
                                per_row=thumbs_per_row)
                st.stop()
    st.stop()
fault = st.selectbox("Fault", list(summary.students_with_fault), key="cls_fault",
                     format_func=title_of)
what, cue = FAULT_CUES.get(fault, ("", summary.cue or ""))
st.subheader(title_of(fault))
st.markdown(f"{what}\n\n**Cue:** {cue}")
for set_id, rep in summary.examples.get(fault, [])[:3]:
    frames = [k for k in db.key_frames(set_id) if rep is None or k.rep_index == rep]
    key_frame_strip(frames, shown[owner_of[set_id]], per_row=thumbs_per_row)
