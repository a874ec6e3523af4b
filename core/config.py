"""One configuration object for the whole pipeline.

Every threshold carries its unit and where it comes from. Environment
variables are read here and nowhere else (``AnalysisConfig.from_env``).
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[1]  # the checkout: core/, models/, tests/, bench/
MODELS_DIR = REPO_DIR / "models"  # weights shipped with the app (models/PROVENANCE.md)
DEFAULT_POSE_WEIGHTS = str(MODELS_DIR / "yolo11n-pose.onnx")  # YOLO11n-pose, ONNX, AGPL-3.0; shipped so the app
# analyses offline. An ultralytics asset name (e.g. "yolo11n-pose.pt") instead downloads it on first use when online


def shared_dir() -> Path:
    """The development data folder (real clips, labels, keypoints, weights; never copied into the repository):
    ``FORMLENS_SHARED``, else ``shared`` next to the checkout. The one place that path is worked out."""
    return Path(os.environ.get("FORMLENS_SHARED") or REPO_DIR.parent / "shared")


def shared_real() -> Path:
    """``<shared>/data/real``: manifest.csv, videos, labels and keypoints of the real clips."""
    return shared_dir() / "data" / "real"


SAMPLE_RATE_SLACK = 1.1  # a source up to 10 % above max_sample_hz is analysed at its own rate (see stride_for)


@dataclass(frozen=True)
class AnalysisConfig:
    """Settings of one analysis. Frozen: derive variants with :meth:`update`."""

    # --- pose -----------------------------------------------------------------------
    pose_backend: str = "auto"  # "auto" (onnx when an ONNX export is there or can be made, else yolo),
    # "yolo" (.pt or .onnx through ultralytics), "onnx" (onnxruntime direct), "vitpose"
    pose_weights: str = DEFAULT_POSE_WEIGHTS  # path (.onnx or .pt), or an ultralytics asset name to download
    vitpose_weights: str | None = None  # local folder of a transformers VitPose checkpoint
    pose_imgsz: int = 480  # px, long side fed to the detector; 480 counts reps as well as 640 on the real
    # clips at ~half the cost (bench/accuracy/rep_counts.py)
    pose_min_person_conf: float = 0.25  # detector box confidence, ultralytics default
    max_sample_hz: float = 30.0  # samples/s; pose runs on at most ~this many frames per second of video, so a
    # 60 fps clip costs what a 30 fps one does. Lifts are < 3 Hz and the cleaning low-pass is 6 Hz (below), so 30
    # samples/s loses nothing: reps and verdicts on the real 60/120 fps clips are unchanged (bench/results/sampling.md)
    still_skip: bool = True  # pose only every still_step_s while nobody big in the picture moves, the skipped
    # samples interpolated (core.perception.sampling.MotionGate); bench/results/still_skip.md
    still_step_s: float = 0.2  # s between poses while everyone stands still; a probe that sees movement has the
    # frames of this gap posed too, so a movement's start is never skipped. Cost: this much decoded video buffered
    still_hold_s: float = 0.3  # s of stillness (every pose within still_move_bh of the newest) before skipping
    still_move_bh: float = 0.02  # body heights (box height; ~3.5 cm on a 1.75 m lifter): movement below this between
    # two poses is "still". Source: bench/results/still_skip.md, 93 real clips from every source: 0.01 keeps 93/93
    # clips' answers but poses 94 % of samples, 0.02 keeps 92/93 (a camera-view near-tie) at 87 %, 0.05 91/93
    slow_step_s: float = 1 / 15  # s between poses while everyone moves slower than fast_bh_s, the samples between
    # interpolated (a block that turns out faster is posed whole); 0 = every sample posed while anyone moves.
    # Source: bench/results/pose_rate.md, 114 real clips: same exact counts, lifts and per-rep F1 on every source,
    # 1.29x fewer samples posed; every verdict that moved also moves under a 16-px shift of the picture
    fast_bh_s: float = 1.0  # body heights per second: movement between two poses faster than this is posed at
    # every sample (core.perception.sampling.MotionGate); 2.0 poses 1.39x fewer but moves 11 clips' verdicts
    # (bench/results/pose_rate.md)
    frame_stride: int = 0  # 0 = every n-th frame with n from max_sample_hz (stride_for); n >= 1 = explicit override
    pose_threads: int = 0  # onnxruntime intra-op threads per process; 0 = all cores (batch workers split them)
    pose_sessions: int = 0  # onnx backend on CPU: model copies running frames at once, pose_threads split between
    # them; 0 = one per core up to 4 (core.perception.backends.onnx.MAX_SESSIONS), 1 = one session, every core
    pose_crop: bool = False  # pose on a window around the lifter of the full-frame input, same scale and stride
    # grid, full look every 1 s and at once on any frame where the crop loses the lifter (core.perception.crop).
    # Opt-in (FORMLENS_POSE_CROP=1): 1.33x faster, but 2 of 93 real clips get a wrong deadlift style
    # (bench/results/fast_vs_full.md; docs/performance.md, "The crop around the lifter")
    pose_crop_margin: float = 0.35  # crop border around the lifter's box, fraction of its long side. 0.7 changes
    # only 5 of 93 clips (each also changed by a 16-px shift of the whole frame) but saves no time: the window
    # then keeps > 80 % of the input on most clips and the whole frame runs (bench/results/shift_noise.md)
    pose_crop_imgsz: int = 0  # px; >0 = crop zoomed to this input size (opt-in: at 320 it dropped a
    # front-view clip's reps, bench/results/fast_vs_full.md and core.perception.crop); implies pose_crop
    decode_ahead: int = 4  # frames decoded ahead in a thread (core.perception.prefetch); 0 = inline. Same frames,
    # same answers; 1.15x faster on 2 cores at load ~1.5 (python -m bench.experiments.overlap; docs/performance.md)
    pose_device: str = "cpu"  # "cpu", or "cuda"/"cuda:0" where a GPU and a CUDA build are installed

    # --- input limits -----------------------------------------------------------------
    max_upload_mb: float = 500.0  # MB; also .streamlit/config.toml server.maxUploadSize
    max_duration_s: float = 600.0  # s; a set longer than 10 min is not a set
    max_width: int = 4096  # px; 4K UHD is the largest phone capture we accept
    max_height: int = 4096  # px; either orientation of 4K
    min_duration_s: float = 0.3  # s; shorter clips cannot hold a rep
    decode_timeout_s: float = 900.0  # s; wall-clock bound on one analysis

    # --- cleaning (Pose2Sim / movement order: gate, reject, fill, filter) --------------
    keypoint_min_conf: float = 0.3  # keypoint confidence gate; below is treated as missing
    outlier_window_s: float = 0.3  # s; Hampel window (Sports2D uses 7 frames at 30 fps)
    outlier_sigmas: float = 4.0  # robust z above which a sample is an outlier
    max_gap_s: float = 0.3  # s; longer gaps stay missing rather than being invented
    lowpass_hz: float = 6.0  # Hz; Butterworth cut-off, human lifts < 3 Hz (Winter 2009)
    lowpass_order: int = 4  # zero-phase (sosfiltfilt) doubles the effective order

    # --- repetitions --------------------------------------------------------------------
    baseline_hip_start_deg: float = 85.0  # published baseline (S0): rep starts below
    baseline_hip_top_deg: float = 160.0  # published baseline (S0): top needs above
    hysteresis_low: float = 0.35  # normalised signal: "at rest" below this
    hysteresis_high: float = 0.65  # normalised signal: "turned around" above this
    min_rep_s: float = 0.4  # s; a faster excursion is noise or a twitch
    min_unfinished_top_s: float = 0.4  # s; a deadlift rep the clip ends in counts only if the lifter stayed this
    # long above the lockout threshold (standing up empty-handed at the end is brief). FITTED on the real clips,
    # scored leave-one-source-out: `python -m core evaluate clips` (core/evaluation/clips.py FITTED)
    # A rep at either end of a shot (where unracking, walking out, putting the bar down and standing up happen)
    # must look like the lift (core.movement.reps.gate_ends; geometry of
    # core.movement.posture.body_orientation). Set from
    # body geometry, then scored leave-one-source-out on the real clips: `python -m core evaluate clips`
    # (core/evaluation/clips.py FITTED); -inf switches a gate off.
    rep_gate_bench_arms_up: float = 0.15  # torso lengths; bench lockout: wrists at least this far above the
    # shoulders (bar held up); hands at the sides read ~0 +- 0.1, a head-side angled view foreshortens lockout
    # to ~0.2-0.3
    rep_gate_squat_hands_min: float = -0.8  # torso lengths; squat bottom and ascent: hands no lower than this
    # (on the bar at the shoulders); standing up from a crouch without the bar the hands hang at ~ -1.05. -0.8 is
    # the leave-one-source-out pick for 22 of 23 sources (docs/decisions.md, "Rep gates at the ends of a shot")
    rep_gate_deadlift_upright: float = 0.5  # cos of the torso from image-up; deadlift lockout within 60 deg of
    # upright: loose, since a side view with the far shoulder misplaced reads a standing torso up to ~50 deg off
    rep_top_left_max: float = 0.35  # share of a squat rep's hip travel: the last rep of a shot counts only when
    # the hips come back up to within this of their height before the rep (a rep cut off before its top is not
    # one: data/real/README.md). Hand-set ("still in a half squat" leaves ~0.5), scored leave-one-source-out
    # by `python -m core evaluate clips`; inf switches it off
    bar_reps: bool = True  # where the lifter's bar is seen through a shot, its reps are what the bar does
    # (core.movement.bar_reps; issue 23); False counts from the body signal alone
    lift_motion: bool = True  # the lift's odds also weigh whether the shoulders move with the hands
    # (core.judgment.lift_motion: a bench presser's stay on the bench); False: posture, hands and bar only
    rep_body_proxy: bool = True  # where the bar is not seen, count the body points that carry it (shoulders under a
    # squat bar, the hands on a bench or deadlift bar) the way the bar is counted; False: the joint-angle signal
    rep_gate_bar: bool = False  # a rep needs the tracked bar to travel with the lifter
    # (core.movement.reps.bar_moves_with). Off: it costs exact counts on the real clips (bench/results/bar_gate_reps.md)
    min_range_deadlift_deg: float = 35.0  # deg of hip-angle range needed to count pulls
    min_range_squat: float = 0.3  # thigh-elevation range (sin units; 0.3 ~ thigh from vertical to 45 deg)
    min_range_bench_deg: float = 30.0  # deg of elbow range needed to count presses
    rep_smooth_hz: float = 3.0  # Hz; extra low-pass of the rep signal only (a rep lasts > 0.4 s)
    split_prominence: float = 0.45  # normalised dip needed to split one excursion into two reps
    rep_detector: str = "hysteresis"  # "hysteresis" (default) or "baseline" (85/160 rule)

    # --- metrics --------------------------------------------------------------------------
    user_height_m: float | None = None  # lifter's height; enables speeds in m/s
    bar_tracking: bool = True  # find and follow the barbell (core.perception.bar): bar path, speed in m/s
    bar_weights: str | None = None  # barbell detector .onnx; None = models/barbell_yolo11n.onnx
    bar_threads: int = 1  # onnxruntime threads of the barbell detector (one 320-px frame at a time between pose
    # batches; 0 = a pool of every core). One thread leaves the cores to the pose copies: same answers, the whole
    # analysis 1.16-1.27x faster on 2 cores (docs/performance.md, "a pose model copy per core")
    bar_detect_every_s: float = 0.2  # s between barbell detector runs; optical flow in between
    # (core.perception.bar.track)
    bar_plate_diameter_m: float = 0.45  # m; the ruler: standard competition plates are 450 mm across
    live_bar: bool = False  # live page: follow the bar in a worker thread beside the frame callback (bar path on
    # the overlay, speed per rep; core.perception.bar.live). Off by default until measured on the target machine
    # (python -m bench.speed.live_latency --bar)
    standard_pause_s: float = 0.3  # s the bar must stay still on the chest for the bench ``pause`` standard to pass
    # (core.judgment.standards; 0.3 s = the labels protocol's visible pause; ~1 s for a competition-like pause;
    # 0 = touch-and-go training: the pause is not judged). Upload page sidebar: "Bench: pause asked on the chest"
    gold_dir: str | None = None  # folder with <lift>/gold_<lift>.json reference poses (S3); None = no gold scoring

    # --- services -------------------------------------------------------------------------
    data_dir: str = field(default_factory=lambda: str(Path.home() / ".formlens"))
    database_url: str | None = None  # SQLAlchemy URL; default SQLite in data_dir
    gemini_model: str = "gemini-2.0-flash"
    gemini_api_key: str | None = field(default=None, repr=False)  # never printed
    gemini_timeout_s: float = 20.0
    ice_servers: tuple[dict[str, Any], ...] = ()  # WebRTC; empty = localhost only

    # --- access (core/records/auth.py, ui/auth.py; README "Privacy and access") ---------------------
    serve_network: bool = False  # scripts/run_app.sh serves on every interface (0.0.0.0) instead of 127.0.0.1;
    # sign-in is then required (also whenever Streamlit is bound to a non-loopback address by other means)
    require_signin: bool = False  # ask for sign-in even on localhost
    open_pages: tuple[str, ...] = ()  # page kinds open without sign-in: only "upload" and/or "live" allowed
    signin_base_delay_s: float = 1.0  # s to wait after the 1st wrong password; doubles per further wrong one
    signin_max_delay_s: float = 60.0  # s; upper bound of that wait
    signin_allowed_emails: tuple[str, ...] = ()  # OpenID Connect mode: only these e-mails get in; empty = any
    # account the identity provider accepts

    def stride_for(self, fps: float) -> int:
        """Frames to step between pose samples of a ``fps`` clip: ``frame_stride`` when set, else the
        smallest n with fps / n <= max_sample_hz (+10 % slack so 30.5 or 33 fps phone clips keep every frame;
        60 -> 2, 120 -> 4, 50 -> 2). A whole stride keeps constant-rate samples evenly spaced in time."""
        if self.frame_stride >= 1:
            return int(self.frame_stride)
        if self.max_sample_hz <= 0 or not fps > 0:
            return 1
        return max(1, math.ceil(fps / (self.max_sample_hz * SAMPLE_RATE_SLACK)))

    def update(self, **changes: Any) -> AnalysisConfig:
        """Return a copy with ``changes``; unknown keys raise ``ValueError``."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; allowed: {sorted(known)}")
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> AnalysisConfig:
        """Defaults, then a TOML file (``FORMLENS_CONFIG``), then single env overrides."""
        env = dict(os.environ if env is None else env)
        cfg = cls()
        path = env.get("FORMLENS_CONFIG")
        if path:
            cfg = cfg.update(**load_toml(Path(path)))
        overrides: dict[str, Any] = {}
        for var, key in _ENV_KEYS.items():
            if env.get(var):
                overrides[key] = env[var]
        api_key = env.get("GEMINI_API_KEY") or env.get("GOOGLE_API_KEY")
        if api_key:
            overrides["gemini_api_key"] = api_key
        for var, key in _ENV_INTS.items():
            if env.get(var):
                overrides[key] = int(env[var])
        if env.get("FORMLENS_POSE_CROP"):  # "1" = pose on a crop around the lifter (opt-in, core.perception.crop)
            overrides["pose_crop"] = env["FORMLENS_POSE_CROP"].strip().lower() not in ("0", "false", "no", "off")
        for var, key in _ENV_FLAGS.items():
            if env.get(var, "").strip():
                overrides[key] = env[var].strip().lower() in ("1", "true", "yes", "on")
        if env.get("FORMLENS_OPEN_PAGES") is not None:
            overrides["open_pages"] = tuple(p.strip() for p in env["FORMLENS_OPEN_PAGES"].split(",") if p.strip())
        if env.get("FORMLENS_SIGNIN_BASE_DELAY_S"):
            overrides["signin_base_delay_s"] = float(env["FORMLENS_SIGNIN_BASE_DELAY_S"])
        return cfg.update(**overrides)

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL, defaulting to SQLite inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir) / 'formlens.db'}"


_ENV_KEYS = {
    "FORMLENS_POSE_WEIGHTS": "pose_weights",
    "FORMLENS_POSE_BACKEND": "pose_backend",
    "FORMLENS_VITPOSE_WEIGHTS": "vitpose_weights",
    "FORMLENS_DATA_DIR": "data_dir",
    "FORMLENS_DATABASE_URL": "database_url",
    "FORMLENS_GEMINI_MODEL": "gemini_model",
    "FORMLENS_GOLD_DIR": "gold_dir",
}


_ENV_INTS = {"FORMLENS_FRAME_STRIDE": "frame_stride", "FORMLENS_POSE_IMGSZ": "pose_imgsz",
             "FORMLENS_POSE_SESSIONS": "pose_sessions"}
_ENV_FLAGS = {"FORMLENS_SERVE_NETWORK": "serve_network", "FORMLENS_REQUIRE_SIGNIN": "require_signin",
              "FORMLENS_STILL_SKIP": "still_skip", "FORMLENS_BAR_REPS": "bar_reps",
              "FORMLENS_LIVE_BAR": "live_bar"}
# "1"/"true"/"yes"/"on" = True, any other value False


def load_toml(path: Path) -> dict[str, Any]:
    """Read the ``[formlens]`` table of a TOML file (keys as in AnalysisConfig)."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    table = data.get("formlens", data)
    if "ice_servers" in table:
        table["ice_servers"] = tuple(table["ice_servers"])
    for key in ("open_pages", "signin_allowed_emails"):
        if key in table:
            table[key] = tuple(table[key])
    return dict(table)
