"""Athletes, classes and analysed sets in a SQL database (SQLAlchemy 2.x).

The stored unit is the :class:`core.report.Report` (its JSON), plus queryable
copies of what the history and classroom pages filter on: one row per rep with
its metrics, one row per fault, and small JPEG key frames. The video itself is
kept only when the caller passes it (the user asked), inside the database; the sha256 of every uploaded
video is kept with its set (table ``set_videos``), so the same video uploaded again is recognised.
A SQLite file is created readable by the app's user only (0600, its folder 0700 when made here).

The default database is an embedded SQLite file in ``config.data_dir``; any
SQLAlchemy URL works (``FORMLENS_DATABASE_URL``), PostgreSQL included, so a
club or school can share one server between several app instances. Tables
are created on start when missing (``create_all`` never drops or alters), so
a restart loses nothing. Deleting an athlete or a set deletes everything that
belongs to it (ORM cascades plus ``ON DELETE CASCADE`` in the schema).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from core.records.auth import private_dir, private_file
from core.report import Report

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 120  # a person's or class's display name; longer input is a paste accident
SQLITE_BUSY_TIMEOUT_S = 30.0  # s a writer waits for another app instance's write to finish
CREATE_RETRY_S = 1.0  # s to wait before retrying table creation after a start-up race


class Base(DeclarativeBase):
    pass


class ClassroomRow(Base):
    __tablename__ = "classrooms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    students: Mapped[list[AthleteRow]] = relationship(back_populates="classroom", cascade="all, delete-orphan",
                                                      passive_deletes=True)


class AthleteRow(Base):
    __tablename__ = "athletes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classrooms.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    classroom: Mapped[ClassroomRow | None] = relationship(back_populates="students")
    sessions: Mapped[list[SessionRow]] = relationship(back_populates="athlete", cascade="all, delete-orphan",
                                                      passive_deletes=True)


class SessionRow(Base):
    """One analysed set."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    lift: Mapped[str | None] = mapped_column(String(32))
    style: Mapped[str | None] = mapped_column(String(32))
    rep_count: Mapped[int] = mapped_column(Integer)
    report_json: Mapped[str] = mapped_column(Text)
    video: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # only when the user asked
    athlete: Mapped[AthleteRow] = relationship(back_populates="sessions")
    reps: Mapped[list[RepRow]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                              order_by="RepRow.rep_index")
    faults: Mapped[list[FaultRow]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    key_frames: Mapped[list[KeyFrameRow]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class RepRow(Base):
    __tablename__ = "reps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    rep_index: Mapped[int] = mapped_column(Integer)  # 0-based, as in RepReport.index
    start_s: Mapped[float] = mapped_column(Float)
    turn_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    visibility: Mapped[float] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)


class FaultRow(Base):
    """One fault judgment; ``rep_index`` is None for whole-set faults (stance width, lateral lean)."""

    __tablename__ = "faults"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    rep_index: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64), index=True)
    detected: Mapped[bool] = mapped_column(Boolean)
    judgeable: Mapped[bool] = mapped_column(Boolean, default=True)
    score: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64))
    evidence: Mapped[str] = mapped_column(Text, default="")


class KeyFrameRow(Base):
    """A small annotated JPEG of one rep at one phase, kept so the video itself need not be."""

    __tablename__ = "key_frames"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    rep_index: Mapped[int] = mapped_column(Integer)
    phase_pct: Mapped[float] = mapped_column(Float)  # % of the rep, turnaround at 50
    time_s: Mapped[float] = mapped_column(Float)
    phase: Mapped[str] = mapped_column(String(32), default="")
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)


class SavedAnalysisRow(Base):
    """Which analysis each stored set came from, one row per (athlete, analysis): saving the same
    analysis twice (a double click, a rerun) stores it once. A table of its own, so databases made
    before it existed get it from ``create_all`` without altering ``sessions``."""

    __tablename__ = "saved_analyses"
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    analysis_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # see analysis_key()
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)


class SetVideoRow(Base):
    """The sha256 (hex) of the video bytes a stored set was analysed from (the video itself is kept only when the
    user asked): uploading the same video again finds this set instead of storing a copy. A table of its own, so
    databases made before it existed get it from ``create_all`` (SQLite and PostgreSQL alike) without altering
    ``sessions``; sets stored before it have no row, and are not recognised."""

    __tablename__ = "set_videos"
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)


@dataclass(frozen=True)
class Athlete:
    id: int
    name: str
    classroom_id: int | None
    n_sessions: int


@dataclass(frozen=True)
class Classroom:
    id: int
    name: str
    n_students: int


@dataclass(frozen=True)
class SetSummary:
    """A stored set as listed on the history, compare and classroom pages."""

    id: int
    athlete_id: int
    athlete_name: str
    recorded_at: datetime
    source_name: str
    lift: str | None
    rep_count: int
    has_video: bool


@dataclass(frozen=True)
class StoredKeyFrame:
    rep_index: int
    phase_pct: float  # % of the rep, turnaround at 50
    time_s: float
    phase: str
    jpeg: bytes


def clean_name(name: str, what: str = "name") -> str:
    """Strip a display name and check it is usable; raise ValueError with a message the UI shows."""
    text = " ".join(str(name).split())
    if not text:
        raise ValueError(f"Please enter a {what}.")
    if len(text) > MAX_NAME_CHARS:
        raise ValueError(f"That {what} is {len(text)} characters long; use at most {MAX_NAME_CHARS}.")
    return text


def analysis_key(report: Report | dict[str, Any], source_name: str = "") -> str:
    """sha256 (hex) of the report's canonical JSON and the clip's name: the identity of one analysis
    (a re-analysis differs at least in its timings, so it is a new set)."""
    data = json.loads(report.to_json()) if isinstance(report, Report) else report
    text = json.dumps(data, sort_keys=True, separators=(",", ":")) + "\0" + source_name[:255]
    return hashlib.sha256(text.encode()).hexdigest()


def video_sha256(data: bytes) -> str:
    """The identity of an uploaded video: sha256 (hex) of its bytes, as stored in ``set_videos``."""
    return hashlib.sha256(data).hexdigest()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Foreign keys on (SQLite ignores ON DELETE CASCADE otherwise); WAL lets readers run beside a writer."""
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, see _sqlite_begin
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """BEGIN IMMEDIATE takes the write lock up front, so two app instances queue instead of failing
    with "database is locked" when both upgrade a read transaction to a write."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite files get their folder created and safe pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        db_file = Path(parsed.database).expanduser()
        private_dir(db_file.parent)  # a folder made here is 0700
        private_file(db_file)  # 0600 before SQLite opens it; its -wal and -shm files get the same mode
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


class FormStore:
    """All reads and writes of stored sets. Methods return plain frozen dataclasses, never ORM rows,
    so callers (Streamlit pages in other threads) never touch a closed session."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _create_tables(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> FormStore:
        return cls(make_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    # --- classes and athletes ------------------------------------------------------------------
    def add_classroom(self, name: str) -> int:
        with self._tx() as s:
            row = ClassroomRow(name=clean_name(name, "class name"))
            s.add(row)
            s.flush()
            return row.id

    def classrooms(self) -> list[Classroom]:
        with self._tx() as s:
            counts = (select(ClassroomRow.id, ClassroomRow.name, func.count(AthleteRow.id))
                      .outerjoin(AthleteRow).group_by(ClassroomRow.id, ClassroomRow.name).order_by(ClassroomRow.id))
            return [Classroom(i, n, c) for i, n, c in s.execute(counts)]

    def add_athlete(self, name: str, classroom_id: int | None = None) -> int:
        with self._tx() as s:
            row = AthleteRow(name=clean_name(name), classroom_id=classroom_id)
            s.add(row)
            s.flush()
            return row.id

    def athletes(self, classroom_id: int | None = None) -> list[Athlete]:
        """All athletes, or the roster of one class, in the order they were added."""
        with self._tx() as s:
            q = (select(AthleteRow.id, AthleteRow.name, AthleteRow.classroom_id, func.count(SessionRow.id))
                 .outerjoin(SessionRow).group_by(AthleteRow.id, AthleteRow.name, AthleteRow.classroom_id)
                 .order_by(AthleteRow.id))
            if classroom_id is not None:
                q = q.where(AthleteRow.classroom_id == classroom_id)
            return [Athlete(*row) for row in s.execute(q)]

    # --- sets -------------------------------------------------------------------------------------
    def save_session(self, athlete_id: int, report: Report, source_name: str = "",
                     recorded_at: datetime | None = None, video: bytes | None = None,
                     key_frames: Iterable[StoredKeyFrame] = (), video_sha256: str | None = None) -> int:
        """Store one analysed set in one transaction; returns its id. Idempotent: the same analysis
        (same report and clip name, see :func:`analysis_key`) saved again for the same athlete returns
        the id of the set already stored, also when two saves race (the database's key decides).
        ``video_sha256`` (:func:`video_sha256` of the uploaded bytes) lets :meth:`sets_of_video` find the set;
        storing a second set of the same video is the caller's choice (the pages ask first)."""
        data = json.loads(report.to_json())  # plain JSON types only (no numpy scalars)
        key = analysis_key(data, source_name)
        try:
            return self._save(athlete_id, data, key, source_name, recorded_at, video, key_frames, video_sha256)
        except IntegrityError:
            existing = self.saved_set_id(athlete_id, report, source_name, key=key)
            if existing is None:
                raise
            return existing

    def saved_set_id(self, athlete_id: int, report: Report, source_name: str = "",
                     key: str | None = None) -> int | None:
        """The id of the set this analysis is already stored as for this athlete, or None."""
        key = key or analysis_key(report, source_name)
        with self._tx() as s:
            return s.scalar(select(SavedAnalysisRow.session_id).where(
                SavedAnalysisRow.athlete_id == athlete_id, SavedAnalysisRow.analysis_key == key))

    def sets_of_video(self, sha256: str, classroom_id: int | None = None) -> list[SetSummary]:
        """Stored sets analysed from the video with this sha256 (oldest first), of everyone or of one class."""
        with self._tx() as s:
            ids = list(s.scalars(select(SetVideoRow.session_id).where(SetVideoRow.sha256 == sha256)))
        found = [self.set_summary(i) for i in sorted(ids)]
        return [f for f in found if f is not None and (classroom_id is None or self._in_class(f, classroom_id))]

    def _in_class(self, summary: SetSummary, classroom_id: int) -> bool:
        with self._tx() as s:
            return s.scalar(select(AthleteRow.classroom_id).where(AthleteRow.id == summary.athlete_id)) == classroom_id

    def _save(self, athlete_id: int, data: dict[str, Any], key: str, source_name: str,
              recorded_at: datetime | None, video: bytes | None, key_frames: Iterable[StoredKeyFrame],
              video_sha256: str | None = None) -> int:
        with self._tx() as s:
            if s.get(AthleteRow, athlete_id) is None:
                raise ValueError(f"no athlete with id {athlete_id}")
            existing = s.get(SavedAnalysisRow, (athlete_id, key))
            if existing is not None:
                return existing.session_id
            row = SessionRow(athlete_id=athlete_id, recorded_at=recorded_at or datetime.now(UTC),
                             source_name=source_name[:255], lift=data["lift"].get("label"),
                             style=data["style"].get("label"), rep_count=len(data["reps"]),
                             report_json=json.dumps(data), video=video)
            row.reps = [RepRow(rep_index=r["index"], start_s=r["start_s"], turn_s=r["turn_s"], end_s=r["end_s"],
                               visibility=r.get("visibility", 1.0), metrics=r["metrics"]) for r in data["reps"]]
            row.faults = [_fault_row(f, r["index"]) for r in data["reps"] for f in r["faults"]]
            row.faults += [_fault_row(f, None) for f in data["set_faults"]]
            row.key_frames = [KeyFrameRow(rep_index=k.rep_index, phase_pct=k.phase_pct, time_s=k.time_s,
                                          phase=k.phase, jpeg=k.jpeg) for k in key_frames]
            s.add(row)
            s.flush()
            s.add(SavedAnalysisRow(athlete_id=athlete_id, analysis_key=key, session_id=row.id))
            if video_sha256:
                s.add(SetVideoRow(session_id=row.id, sha256=video_sha256))
            s.flush()
            return row.id

    def sessions(self, athlete_id: int | None = None, classroom_id: int | None = None) -> list[SetSummary]:
        """Stored sets, oldest first, of one athlete, one class, or everyone."""
        with self._tx() as s:
            q = (select(SessionRow.id, SessionRow.athlete_id, AthleteRow.name, SessionRow.recorded_at,
                        SessionRow.source_name, SessionRow.lift, SessionRow.rep_count,
                        SessionRow.video.is_not(None))
                 .join(AthleteRow).order_by(SessionRow.recorded_at, SessionRow.id))
            if athlete_id is not None:
                q = q.where(SessionRow.athlete_id == athlete_id)
            if classroom_id is not None:
                q = q.where(AthleteRow.classroom_id == classroom_id)
            return [SetSummary(i, a, n, _aware(t), src, lift, reps, bool(v))
                    for i, a, n, t, src, lift, reps, v in s.execute(q)]

    def set_summary(self, session_id: int) -> SetSummary | None:
        """One stored set as listed on the pages, or None when it is gone."""
        with self._tx() as s:
            q = (select(SessionRow.id, SessionRow.athlete_id, AthleteRow.name, SessionRow.recorded_at,
                        SessionRow.source_name, SessionRow.lift, SessionRow.rep_count,
                        SessionRow.video.is_not(None)).join(AthleteRow).where(SessionRow.id == session_id))
            row = s.execute(q).first()
        if row is None:
            return None
        i, a, n, t, src, lift, reps, v = row
        return SetSummary(i, a, n, _aware(t), src, lift, reps, bool(v))

    def load_report(self, session_id: int) -> Report:
        with self._tx() as s:
            text = s.scalar(select(SessionRow.report_json).where(SessionRow.id == session_id))
        if text is None:
            raise KeyError(f"no stored set with id {session_id}")
        return Report.from_json(text)

    def key_frames(self, session_id: int) -> list[StoredKeyFrame]:
        with self._tx() as s:
            rows = s.scalars(select(KeyFrameRow).where(KeyFrameRow.session_id == session_id)
                             .order_by(KeyFrameRow.rep_index, KeyFrameRow.phase_pct)).all()
            return [StoredKeyFrame(r.rep_index, r.phase_pct, r.time_s, r.phase, r.jpeg) for r in rows]

    def video(self, session_id: int) -> bytes | None:
        with self._tx() as s:
            return s.scalar(select(SessionRow.video).where(SessionRow.id == session_id))

    # --- deleting ("delete my data") ------------------------------------------------------------
    def delete_session(self, session_id: int) -> bool:
        return self._delete(SessionRow, session_id)

    def delete_athlete(self, athlete_id: int) -> bool:
        """The athlete and every set, rep, fault, key frame and video of theirs."""
        return self._delete(AthleteRow, athlete_id)

    def delete_classroom(self, classroom_id: int) -> bool:
        """The class, its roster and all the students' data (end of term)."""
        return self._delete(ClassroomRow, classroom_id)

    def _delete(self, model: type[Base], row_id: int) -> bool:
        with self._tx() as s:
            row = s.get(model, row_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def row_counts(self) -> dict[str, int]:
        """Rows per table: what the delete tests and the history page's privacy note check."""
        with self._tx() as s:
            return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
                    for t in Base.metadata.sorted_tables}


def _create_tables(engine: Engine) -> None:
    """Create missing tables only (existing data is untouched). Two app instances starting at once on
    one PostgreSQL can race on CREATE TABLE; the loser retries once and then finds the tables."""
    try:
        Base.metadata.create_all(engine)
    except SQLAlchemyError:
        logger.warning("creating tables failed once (another instance starting?); retrying")
        time.sleep(CREATE_RETRY_S)
        Base.metadata.create_all(engine)


def _fault_row(f: dict[str, Any], rep_index: int | None) -> FaultRow:
    return FaultRow(rep_index=rep_index, name=str(f.get("name", "")), detected=bool(f.get("detected")),
                    judgeable=bool(f.get("judgeable", True)), score=f.get("score"), label=f.get("label"),
                    source=f.get("source"), evidence=str(f.get("evidence", "")))


def _aware(t: datetime) -> datetime:
    """SQLite returns naive datetimes; everything is stored in UTC, so say so."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)
