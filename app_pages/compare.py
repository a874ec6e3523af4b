"""Compare two sets (or one rep against the athlete's own best) aligned by rep phase."""

from __future__ import annotations

import streamlit as st

from core.records.compare import (
    KEY_PHASES_PCT,
    TURN_PCT,
    aligned_curves_figure,
    bar_velocities,
    best_rep,
    compare_metrics,
    compare_standards,
    default_pair,
    mean_curve_gap,
    nearest_by_phase,
    normalised_rep_curve,
    same_height,
)
from core.render.figures import lift_joints
from ui import session
from ui.auth import require_signin
from ui.storage import athlete_choice, difference_frame, set_label, store, upload_and_save

PHASE_MATCH_PCT = 5.0  # % of the rep: two frames further apart than this are not "the same phase"


def keep_valid(key: str, options: list) -> list:
    """Drop a remembered choice that is no longer offered (another set chosen, a set deleted)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
    return options


def legend(summary, rep: int) -> str:
    """ "Ana – 2026-03-01 – rep 2": who, when and which rep, as a coach names them."""
    return f"{summary.athlete_name} – {summary.recorded_at.strftime('%Y-%m-%d %H:%M')} – rep {rep + 1}"


def kind(report) -> str:
    lift = report.lift.get("label") or "unknown lift"
    style = report.style.get("label")
    return f"{style} {lift}" if style else str(lift)


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
by_id = {s.id: s for s in sets}
labels = {s.id: set_label(s) for s in sets}
ids = keep_valid("cmp_a", list(labels))
keep_valid("cmp_b", ids)
first_a, first_b = default_pair(sets)  # two sets of one lift when there are (a squat is no deadlift's match)

c1, c2 = st.columns(2)
a_id = c1.selectbox("Set A", ids, index=ids.index(first_a), key="cmp_a", format_func=labels.get,
                    persist_state=session.PERSIST)
report_a = db.load_report(a_id)
rep_a = c1.selectbox("Rep of A", keep_valid("cmp_rep_a", [r.index for r in report_a.reps]), key="cmp_rep_a",
                     persist_state=session.PERSIST,
                     format_func=lambda i: f"Rep {i + 1}")
own_best = c2.toggle("Compare against A's own best rep", key="cmp_best", persist_state=session.PERSIST)
if own_best:
    b_id, report_b, rep_b = a_id, report_a, best_rep(report_a, exclude=rep_a)
    if rep_b is None:
        c2.info("This set has only one rep: there is no other rep of A to compare it with.")
        st.stop()
    c2.info(f"A's best other rep is rep {rep_b + 1} (fewest failed standards and faults, best seen).")
else:
    b_id = c2.selectbox("Set B", ids, index=ids.index(first_b), key="cmp_b", format_func=labels.get,
                        persist_state=session.PERSIST)
    report_b = db.load_report(b_id)
    rep_b = c2.selectbox("Rep of B", keep_valid("cmp_rep_b", [r.index for r in report_b.reps]), key="cmp_rep_b",
                         persist_state=session.PERSIST,
                         format_func=lambda i: f"Rep {i + 1}")
if kind(report_a) != kind(report_b):
    st.warning(f"A is a {kind(report_a)} and B a {kind(report_b)}: different lifts or styles move differently, "
               "so their curves and numbers are not comparable rep for rep.")

angles = keep_valid("cmp_angle", list(lift_joints(report_a)))
angle = st.selectbox("Angle", angles, key="cmp_angle", persist_state=session.PERSIST,
                     format_func=lambda a: a.replace("_", " "))
curve_a = normalised_rep_curve(report_a, rep_a, angle)
curve_b = normalised_rep_curve(report_b, rep_b, angle)
st.plotly_chart(aligned_curves_figure([(f"A: {legend(by_id[a_id], rep_a)}", curve_a),
                                       (f"B: {legend(by_id[b_id], rep_b)}", curve_b)], angle),
                width="stretch", key="cmp_curves")
st.caption(f"Both reps run from rest (0 %) to rest (100 %) with the turnaround at 50 %. Mean gap: "
           f"{mean_curve_gap(curve_a, curve_b):.1f}°.")
st.subheader("Metric by metric")
metrics_a = next(r.metrics for r in report_a.reps if r.index == rep_a)
metrics_b = next(r.metrics for r in report_b.reps if r.index == rep_b)
st.dataframe(difference_frame(compare_metrics(metrics_a, metrics_b)), hide_index=True, width="stretch",
             key="cmp_diff")
st.caption("Highlighted rows differ by more than the measurement noise of that unit (5°, 0.15 s, ...).")
standards = compare_standards(next(r for r in report_a.reps if r.index == rep_a),
                              next(r for r in report_b.reps if r.index == rep_b))
if standards:  # the referee's calls of the two reps (none in sets saved before the standards)
    st.subheader("Referee standards")
    st.dataframe(standards, hide_index=True, width="stretch", key="cmp_standards")

bar_a, bar_b = bar_velocities(report_a), bar_velocities(report_b)
if bar_a[0] or bar_b[0]:
    st.subheader("Bar velocity (tracked barbell)")
    for col, name, (v, loss), rep in zip(st.columns(2), "AB", (bar_a, bar_b), (rep_a, rep_b), strict=True):
        if not v:
            col.caption(f"{name}: no barbell tracked in this set.")
            continue
        mine = v[[r.index for r in (report_a if name == "A" else report_b).reps].index(rep)]
        col.metric(f"{name}: rep {rep + 1} mean velocity", "n/a" if mine is None else f"{mine:.2f} m/s")
        col.metric(f"{name}: velocity loss over the set", "n/a" if loss is None else f"{loss:.0f} %")
        col.caption(f"{name} per rep (m/s): " + ", ".join("n/a" if x is None else f"{x:.2f}" for x in v))

st.subheader("Side-by-side replay at the same rep phase")
pct = st.select_slider("Rep phase (% of the rep; 0 and 100 = at rest, 50 = turnaround)", KEY_PHASES_PCT,
                       value=TURN_PCT, key="cmp_phase", format_func=lambda p: f"{p:.0f} %")
frames = [nearest_by_phase(db.key_frames(set_id), rep, pct) for set_id, rep in ((a_id, rep_a), (b_id, rep_b))]
shown = same_height([f.jpeg for f in frames if f is not None]) if any(frames) else []
for col, frame, rep, name in zip(st.columns(2), frames, (rep_a, rep_b), "AB", strict=True):
    if frame is None:
        col.caption(f"{name}: no key frames stored for this set.")
    else:
        col.image(shown.pop(0), caption=f"{name}: rep {rep + 1} at {frame.phase_pct:.0f} % ({frame.time_s:.2f} s)",
                  width="stretch")
if all(frames) and abs(frames[0].phase_pct - frames[1].phase_pct) > PHASE_MATCH_PCT:
    st.caption("These sets were saved with key frames at other phases: the nearest stored frames are shown.")
