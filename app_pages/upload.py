"""Upload a set and get the full analysis."""

from __future__ import annotations

import streamlit as st

from ui import render, session
from ui.auth import require_signin
from ui.coaching import attach_coaching, coach_settings, render_coaching
from ui.lift_question import answered_lift, forget_answer, lift_question
from ui.resources import base_config
from ui.storage import save_panel
from ui.upload import (
    analyse_upload,
    annotated_video,
    download_stem,
    reanalyse,
    rep_bounds_after_merge,
    rep_bounds_after_split,
    upload_box,
)

POSE_MODELS = {"auto": "YOLO11 pose, automatic (ONNX when it can be had: fastest)",
               "yolo": "YOLO11 pose (ultralytics)", "onnx": "YOLO11 pose, ONNX (fastest on CPU)",
               "vitpose": "ViTPose (top-down, slower)"}

MIN_HEIGHT_CM, MAX_HEIGHT_CM = 100, 250  # cm; a PE pupil to the tallest lifter (0, or a height in metres, is refused)

session.init()
require_signin("upload")  # open to everyone only if the owner set open_pages
st.title("Analyse a set")
config = base_config()
with st.sidebar:
    height_cm = st.number_input(f"Lifter's height in cm (optional, {MIN_HEIGHT_CM}–{MAX_HEIGHT_CM})", MIN_HEIGHT_CM,
                                MAX_HEIGHT_CM, value=None, step=1, key="height_cm", persist_state=session.PERSIST,
                                placeholder="unknown",
                                help="Leave empty if you don't know it. With it, bar and body speeds are given in "
                                     "m/s.")
    plate_mm = st.number_input("Plate diameter (mm)", 200, 450, int(round(config.bar_plate_diameter_m * 1000)),
                               step=5, key="plate_mm", help="The bar's ruler: standard plates are 450 mm across; "
                               "enter the size if yours are smaller.")
    pause_s = st.number_input("Bench: pause asked on the chest (s)", 0.0, 3.0, float(config.standard_pause_s),
                              step=0.1, format="%.1f", key="pause_s", persist_state=session.PERSIST,
                              help="How long the bar must rest still on the chest for a bench rep's pause to "
                                   "pass: 0.3 s is a visible pause, about 1 s a competition pause. 0 = "
                                   "touch-and-go training: the pause is not judged.")
    blur = st.toggle("Blur faces in the annotated video", value=False, key="blur_faces", persist_state=session.PERSIST)
    lift_choice = st.selectbox("Lift", ["auto-detect", "deadlift", "squat", "bench"], key="lift_choice",
                               persist_state=session.PERSIST)
    pose_choices = [b for b in POSE_MODELS if b != "vitpose" or config.vitpose_weights]  # ViTPose needs local weights
    default_pose = pose_choices.index(config.pose_backend) if config.pose_backend in pose_choices else 0
    pose_choice = st.selectbox("Pose model", pose_choices, key="pose_model", format_func=POSE_MODELS.get,
                               persist_state=session.PERSIST,
                               index=default_pose)
config = config.update(pose_backend=pose_choice, bar_plate_diameter_m=plate_mm / 1000, standard_pause_s=pause_s)
if height_cm is not None:  # empty = unknown: speeds stay in body heights per second
    config = config.update(user_height_m=height_cm / 100)
coach_choice = coach_settings(config)  # sidebar: tone, Gemini opt-in (off by default), key

upload = upload_box("Video of one set", key="upload")
if upload is None and session.get(session.UPLOAD_ANALYSIS) is None:
    render.empty_state()
    st.stop()

if upload is None:  # back from another page: the last analysis is kept, not lost
    c1, c2 = st.columns([4, 1])
    c1.info(f"Showing your last analysis ({session.get(session.UPLOAD_NAME)}). Upload another video to replace it.")
    if c2.button("Clear", key="upload_clear"):
        session.reset_upload()
        st.rerun()
elif session.get(session.UPLOAD_ID) != f"{upload.file_id}:{pose_choice}":  # a new pose model re-analyses
    session.reset_upload()
    forget_answer()
    data = upload.getvalue()
    analysis = analyse_upload(data, upload.name, config.update(frame_stride=config.frame_stride))
    if analysis is None:
        st.stop()
    session.put(session.UPLOAD_ID, f"{upload.file_id}:{pose_choice}")
    session.put(session.UPLOAD_BYTES, data)
    session.put(session.UPLOAD_NAME, upload.name)
    session.put(session.UPLOAD_ANALYSIS, analysis)
    session.put(session.PAUSE_JUDGED, pause_s)
override = (None if lift_choice == "auto-detect" else lift_choice) or answered_lift()  # sidebar, else the answer
if override != session.get(session.LIFT_OVERRIDE):
    session.put(session.LIFT_OVERRIDE, override)
    session.put(session.REP_BOUNDS, None)
    session.put(session.UPLOAD_ANALYSIS, reanalyse(config) or session.get(session.UPLOAD_ANALYSIS))
if pause_s != session.get(session.PAUSE_JUDGED):  # another pause setting: the bench reps are judged again
    session.put(session.PAUSE_JUDGED, pause_s)
    session.put(session.UPLOAD_ANALYSIS, reanalyse(config) or session.get(session.UPLOAD_ANALYSIS))

analysis = session.get(session.UPLOAD_ANALYSIS)
report = analysis.report
# Short page first: the verdict, coaching, downloads and save; the detail below, per-rep parts collapsed.
lift_question(report, key="lift_q")  # "Is this a bench press or a squat?" when the lift is unsure
render.report_header(report)
st.caption(f"Pose model: {report.pose_backend}")
report = attach_coaching(report, config, coach_choice)  # extras["coaching"]: also in the JSON download
st.subheader("Coaching")
render_coaching(report, key="upload_coaching")

st.subheader("Downloads and save")
stem = download_stem(session.get(session.UPLOAD_NAME))
render.downloads(report, stem)
if st.button("Prepare annotated video (MP4)", key="make_mp4"):
    session.put(session.ANNOTATED_MP4, annotated_video(session.get(session.UPLOAD_BYTES), analysis, blur))
if session.get(session.ANNOTATED_MP4):
    st.download_button("⬇ Annotated video (MP4)", session.get(session.ANNOTATED_MP4),
                       file_name=f"{stem}_annotated.mp4", mime="video/mp4", key="dl_mp4")
with st.expander("Save this set to an athlete's history (measurements and small key frames; the video only "
                 "if you tick the box)"):
    save_panel(analysis, session.get(session.UPLOAD_BYTES), session.get(session.UPLOAD_NAME), key="upload_save")

with st.expander("Correct the analysis: other lifter, merge or split reps",
                 expanded=len(report.lifter.get("candidates", [])) > 1):
    render.people_picker(session.get(session.UPLOAD_BYTES), analysis, key="pick_lifter")
    render.rep_editor(analysis, key="rep_edit")
choice = st.session_state.get("pick_lifter")
edit = st.session_state.get("rep_edit_action")
if choice is not None and choice != analysis.lifter_id:
    session.put(session.LIFTER_ID, choice)
    session.put(session.REP_BOUNDS, None)
    session.put(session.UPLOAD_ANALYSIS, reanalyse(config) or analysis)
    st.rerun()
if edit:
    kind, i, at = edit
    st.session_state["rep_edit_action"] = None
    bounds = rep_bounds_after_merge(analysis, i) if kind == "merge" else rep_bounds_after_split(analysis, i, at)
    session.put(session.REP_BOUNDS, bounds)
    session.put(session.UPLOAD_ANALYSIS, reanalyse(config) or analysis)
    st.rerun()

st.divider()
render.report_detail(report, key="upload")
st.subheader("Replay: 10 key frames per rep")
render.key_frame_gallery(session.get(session.UPLOAD_BYTES), analysis, blur)
