"""Live coaching: camera in the browser, skeleton, rep counter and a verdict after every rep."""

from __future__ import annotations

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from ui import live as ui_live
from ui import live_sets, live_voice
from ui.auth import require_signin
from ui.coaching import coach_settings
from ui.resources import base_config, pose_backend
from ui.upload import analyse_upload, upload_box

require_signin("live")  # open to everyone only if the owner set open_pages
# Widget keys of this page are "live_*"; the page's session state is "live.*" (owned by ui/live.py).
st.title("Live coaching")
config = base_config().update(pose_imgsz=ui_live.LIVE_POSE_IMGSZ)
with st.sidebar:
    lift = st.selectbox("Lift", ["deadlift", "squat", "bench"], key="live_lift")
    auto_lift = st.toggle("Let FormLens detect the lift", value=False, key="live_auto_lift",
                          help="After a few seconds the pose rule may switch the lift (the count is redone).")
    keep = st.toggle("Keep the recording (up to 60 s)", value=True, key="live_keep",
                     help="Kept in this browser tab's memory only (never stored unless you save the set with its "
                          "video): gives the report its key frames and the annotated video.")
coach_choice = coach_settings(config)  # sidebar: tone, Gemini opt-in (off by default), as on the upload page

st.caption("Phone or laptop at hip height, **side-on**, 2–4 m away, whole body and bar in the picture, good light. "
           "Press **START**, allow the camera, stand still for two seconds, then lift. **Finish set** stops the "
           "count and gives the full report.")
backend = pose_backend(config)
ui_live.warm_backend(backend, backend.name)
live = ui_live.session_for(config, backend, lift, auto_lift, keep_frames_s=60.0 if keep else 0.0)
with st.sidebar:  # the voice and the rest between sets (ui.live_voice, ui.live_sets)
    voice = live_voice.voice_sidebar(live)
    rest_s = st.number_input("Rest between sets (s)", min_value=10, max_value=900, value=live_sets.DEFAULT_REST_S,
                             step=10, key="live_rest_s")

video_col, panel_col = st.columns([3, 2], gap="medium")  # the counter beside the video: both above the fold
with video_col:
    ctx = webrtc_streamer(
        key="live_stream", mode=WebRtcMode.SENDRECV, rtc_configuration=ui_live.rtc_configuration(config),
        media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False},
        video_frame_callback=live.on_frame, on_video_ended=live.on_ended, async_processing=True,
        desired_playing_state=False if live.stopped else None,  # "Finish set" also stops the camera
    )
with panel_col:
    can_finish = not live.stopped and (ctx.state.playing or live.frames_in > 0)
    c1, c2 = st.columns(2)
    c1.button("Finish set: full report", key="live_finish", type="primary" if can_finish else "secondary",
              disabled=not can_finish, on_click=ui_live.finish_set, args=(live,),
              help=None if can_finish else "Press START first: there is no set to finish yet.")
    c2.button("New set", key="live_new_set", on_click=ui_live.new_set)
    panel = st.empty()
    voice_slot = st.empty()  # the invisible speech component (ui.speech)
    live_sets.set_log_panel(ui_live.finished_analysis(), live, rest_s, voice.on)  # rest timer, save and next

ui_live.render_set_report(ui_live.finished_analysis(), config, coach_choice, live)

with st.expander("Camera not connecting? Record, then analyse"):
    st.markdown("Live video needs a WebRTC connection. On a locked-down network (no TURN server) it cannot "
                "connect. Record the set with your phone's camera app instead and upload it here; it goes "
                "through the same analysis as the upload page.")
    recording = upload_box("Recording of the set", key="live_upload_file")
    if recording is not None and st.button("Analyse the recording", key="live_upload_analyse"):
        data = recording.getvalue()
        result = analyse_upload(data, recording.name, base_config())
        if result is not None:
            ui_live.show_analysis(result, data)
            st.rerun()

ui_live.poll_panel(ctx, live, panel, on_snapshot=live_voice.hook(live, voice, voice_slot))
