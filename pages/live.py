"""Live coaching: camera in the browser, skeleton, rep counter and a verdict after every rep."""

from __future__ import annotations

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from ui import live as ui_live
from ui import render
from ui.auth import require_signin
from ui.resources import base_config, pose_backend
from ui.upload import analyse_upload

require_signin("live")  # open to everyone only if the owner set open_pages
st.title("Live coaching")
config = base_config().update(pose_imgsz=ui_live.LIVE_POSE_IMGSZ)
with st.sidebar:
    lift = st.selectbox("Lift", ["deadlift", "squat", "bench"], key="live_lift")
    auto_lift = st.toggle("Let FormLens detect the lift", value=False, key="live_auto_lift",
                          help="After a few seconds the pose rule may switch the lift (the count is redone).")
    keep = st.toggle("Keep the recording (up to 60 s)", value=False, key="live_keep",
                     help="Kept in memory for this browser tab only; download it after the set.")

st.markdown("**Before the set:** prop the phone or laptop at hip height, **side-on**, 2–4 m away, so your "
            "whole body and the bar are in the picture, in good light. Press **START**, allow the camera, "
            "and stand still for two seconds: FormLens checks the setup, then counts every rep.")
backend = pose_backend(config)
ui_live.warm_backend(backend, backend.name)
live = ui_live.session_for(config, backend, lift, auto_lift, keep_frames_s=60.0 if keep else 0.0)
ctx = webrtc_streamer(
    key="live", mode=WebRtcMode.SENDRECV, rtc_configuration=ui_live.rtc_configuration(config),
    media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False},
    video_frame_callback=live.on_frame, on_video_ended=live.on_ended, async_processing=True,
)
panel = st.empty()

c1, c2 = st.columns(2)
if c1.button("Finish set: full report", key="live_finish", type="primary"):
    ui_live.finish_set(live)
if c2.button("New set", key="live_new_set"):
    ui_live.new_set()
    st.rerun()

analysis = ui_live.finished_analysis()
if analysis is not None:
    st.header("Report of the live set")
    render.report_body(analysis.report)
    render.downloads(analysis.report, "live_set")
    ui_live.recording_downloads(analysis)

with st.expander("Camera not connecting? Record, then analyse"):
    st.markdown("Live video needs a WebRTC connection. On a locked-down network (no TURN server) it cannot "
                "connect. Record the set with your phone's camera app instead and upload it here; it goes "
                "through the same analysis as the upload page.")
    recording = st.file_uploader("Recording of the set", type=["mp4", "mov", "webm", "m4v"], key="live_recording")
    if recording is not None and st.button("Analyse the recording", key="live_analyse_recording"):
        result = analyse_upload(recording.getvalue(), recording.name, base_config())
        if result is not None:
            ui_live.show_analysis(result)
            st.rerun()

ui_live.poll_panel(ctx, live, panel)
