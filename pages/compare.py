"""Compare two sets (or one rep against the athlete's own best) aligned by rep phase."""

from __future__ import annotations

import streamlit as st

from core.compare import (
    aligned_curves_figure,
    best_rep,
    compare_metrics,
    mean_curve_gap,
    nearest_by_phase,
    normalised_rep_curve,
)
from ui import session
from ui.auth import require_signin
from ui.storage import athlete_choice, difference_frame, set_label, store, upload_and_save

ANGLES = ["hip", "knee", "elbow", "trunk_lean"]

session.init()
require_signin("compare")
st.title("Compare")
db = store()
with st.expander("Upload a clip to compare (it is analysed and saved to an athlete)"):
    upload_and_save(db, athlete_choice(db, key="cmp_up"), key="cmp_up")

sets = [s for s in db.sessions() if s.rep_count > 0]
if not sets:
    st.info("Nothing to compare yet: save at least one analysed set with reps (upload one above).")
    st.stop()
labels = {s.id: set_label(s) for s in sets}
ids = list(labels)

c1, c2 = st.columns(2)
a_id = c1.selectbox("Set A", ids, key="cmp_a", format_func=labels.get)
report_a = db.load_report(a_id)
rep_a = c1.selectbox("Rep of A", [r.index for r in report_a.reps], key="cmp_rep_a",
                     format_func=lambda i: f"Rep {i + 1}")
own_best = c2.toggle("Compare against A's own best rep", key="cmp_best")
if own_best:
    b_id, report_b, rep_b = a_id, report_a, best_rep(report_a)
    c2.info(f"A's best rep is rep {rep_b + 1} (fewest detected faults, best seen).")
else:
    b_id = c2.selectbox("Set B", ids, index=min(1, len(ids) - 1), key="cmp_b", format_func=labels.get)
    report_b = db.load_report(b_id)
    rep_b = c2.selectbox("Rep of B", [r.index for r in report_b.reps], key="cmp_rep_b",
                         format_func=lambda i: f"Rep {i + 1}")
if report_a.lift.get("label") != report_b.lift.get("label"):
    st.warning(f"A is a {report_a.lift.get('label')} and B a {report_b.lift.get('label')}: "
               "curves of different lifts are not comparable rep for rep.")

angle = st.selectbox("Angle", ANGLES, key="cmp_angle", format_func=lambda a: a.replace("_", " "))
curve_a = normalised_rep_curve(report_a, rep_a, angle)
curve_b = normalised_rep_curve(report_b, rep_b, angle)
st.plotly_chart(aligned_curves_figure([(f"A: set #{a_id} rep {rep_a + 1}", curve_a),
                                       (f"B: set #{b_id} rep {rep_b + 1}", curve_b)], angle),
                width="stretch", key="cmp_curves")
st.caption(f"Both reps are rescaled to 0–100 % with the turnaround at 50 %. Mean gap: "
           f"{mean_curve_gap(curve_a, curve_b):.1f}°.")

st.subheader("Metric by metric")
metrics_a = next(r.metrics for r in report_a.reps if r.index == rep_a)
metrics_b = next(r.metrics for r in report_b.reps if r.index == rep_b)
st.dataframe(difference_frame(compare_metrics(metrics_a, metrics_b)), hide_index=True, width="stretch",
             key="cmp_diff")
st.caption("Highlighted rows differ by more than the measurement noise of that unit (5°, 0.15 s, ...).")

st.subheader("Side-by-side replay at the same rep phase")
pct = st.slider("Rep phase (% of rep; 50 = turnaround)", 0, 100, 50, 10, key="cmp_phase")
for col, set_id, rep, name in zip(st.columns(2), (a_id, b_id), (rep_a, rep_b), "AB", strict=True):
    frame = nearest_by_phase(db.key_frames(set_id), rep, pct)
    if frame is None:
        col.caption(f"{name}: no key frames stored for this set.")
    else:
        col.image(frame.jpeg, caption=f"{name}: rep {rep + 1} at {frame.phase_pct:.0f} % ({frame.time_s:.2f} s)",
                  width="stretch")
