"""Everything stored about one athlete, exported whole on request (a person's right to their data).

:func:`athlete_export` gathers the athlete, every stored set with its full report, each rep's metrics
and fault judgments, the key frames and any kept video; :func:`athlete_export_zip` packs it as one
ZIP: ``athlete.json`` (all of it, images and videos named by file), ``sets.csv`` (one row per set),
``reps.csv`` (one row per rep: times, metrics, faults), ``key_frames/*.jpg`` and ``videos/*``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from core.records.storage import FormStore

EXPORT_SCHEMA = "formlens.athlete_export/1"


@dataclass(frozen=True)
class AthleteExport:
    data: dict[str, Any]  # the JSON document
    files: dict[str, bytes] = field(default_factory=dict)  # ZIP path -> bytes (key frames, kept videos)

    def json_text(self) -> str:
        return json.dumps(self.data, indent=2, ensure_ascii=False)

    def sets_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["set_id", "recorded_at_utc", "source_name", "lift", "style", "reps", "faults_detected",
                    "video_file"])
        for s in self.data["sets"]:
            report = s["report"]
            judged = [f for r in report.get("reps", []) for f in r.get("faults", [])] + report.get("set_faults", [])
            faults = sorted({f["name"] for f in judged if f.get("detected")})
            w.writerow([s["id"], s["recorded_at_utc"], s["source_name"], s["lift"] or "",
                        (report.get("style") or {}).get("label") or "", s["rep_count"], " ".join(faults),
                        s["video_file"] or ""])
        return buf.getvalue()

    def reps_csv(self) -> str:
        rows = [(s["id"], r) for s in self.data["sets"] for r in s["report"].get("reps", [])]
        metrics = sorted({k for _, r in rows for k in (r.get("metrics") or {})})
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["set_id", "rep", "start_s", "turn_s", "end_s", *metrics, "faults_detected", "faults_judged"])
        for set_id, r in rows:
            faults = r.get("faults", [])
            w.writerow([set_id, r["index"] + 1, r.get("start_s"), r.get("turn_s"), r.get("end_s"),
                        *[(r.get("metrics") or {}).get(m, "") for m in metrics],
                        " ".join(f["name"] for f in faults if f.get("detected")),
                        " ".join(f["name"] for f in faults if f.get("judgeable", True))])
        return buf.getvalue()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(name).name)[:80] or "video"


def athlete_export(db: FormStore, athlete_id: int) -> AthleteExport:
    """All stored data of one athlete (KeyError if there is no such athlete)."""
    athlete = next((a for a in db.athletes() if a.id == athlete_id), None)
    if athlete is None:
        raise KeyError(f"no athlete with id {athlete_id}")
    classes = {c.id: c.name for c in db.classrooms()}
    files: dict[str, bytes] = {}
    sets = []
    for s in db.sessions(athlete_id=athlete_id):
        frames = []
        for i, k in enumerate(db.key_frames(s.id)):
            path = f"key_frames/set{s.id}_rep{k.rep_index + 1}_{i:02d}_{k.phase_pct:.0f}pct.jpg"
            files[path] = k.jpeg
            frames.append({"rep": k.rep_index + 1, "phase_pct": k.phase_pct, "time_s": k.time_s, "phase": k.phase,
                           "file": path})
        video_file = None
        if s.has_video:
            video = db.video(s.id)
            if video:
                video_file = f"videos/set{s.id}_{_safe(s.source_name)}"
                files[video_file] = video
        sets.append({"id": s.id, "recorded_at_utc": s.recorded_at.astimezone(UTC).isoformat(timespec="seconds"),
                     "source_name": s.source_name, "lift": s.lift, "rep_count": s.rep_count,
                     "video_file": video_file, "key_frames": frames, "report": db.load_report(s.id).to_dict()})
    data = {"schema": EXPORT_SCHEMA, "exported_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "athlete": {"id": athlete.id, "name": athlete.name, "classroom_id": athlete.classroom_id,
                        "classroom": classes.get(athlete.classroom_id) if athlete.classroom_id else None},
            "sets": sets}
    return AthleteExport(data, files)


def athlete_export_zip(db: FormStore, athlete_id: int) -> bytes:
    """The whole export as one ZIP file's bytes."""
    export = athlete_export(db, athlete_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("athlete.json", export.json_text())
        z.writestr("sets.csv", export.sets_csv())
        z.writestr("reps.csv", export.reps_csv())
        for path, blob in export.files.items():
            z.writestr(path, blob, compress_type=zipfile.ZIP_STORED)  # JPEG/MP4 are compressed already
    return buf.getvalue()
