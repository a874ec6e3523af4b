"""A pose trace written to disk comes back the same (every array bit for bit, every field), in a file that loads
without pickle; a file of another format version is refused in words; traces pickled by older code, under the
module paths of their day, still load."""

from __future__ import annotations

import dataclasses
import json
import pickle
import zipfile

import numpy as np
import pytest

from core.perception.bar.types import BarCandidate, BarTrack
from core.perception.trace_file import VERSION, TraceFileError, load_trace, save_trace, trace_in
from core.types import FramePeople, PoseTrace, VideoInfo


def make_trace(with_bar: bool = True, t: int = 12) -> PoseTrace:
    rng = np.random.default_rng(0)
    counts = [0, 1, 2] * (t // 3)
    people = tuple(FramePeople(rng.random((n, 4), dtype=np.float32), rng.random(n, dtype=np.float32),
                               rng.random((n, 17, 3), dtype=np.float32)) for n in counts)
    times = np.arange(t) / 30.0
    frame_index = np.arange(t, dtype=np.int64) * 2
    bar = None
    if with_bar:
        xy = rng.random((t, 2)) * 100
        xy[3] = np.nan  # a sample where the bar is not seen
        cands = (BarCandidate(4, xy.copy(), np.full(t, np.nan), np.zeros(t, bool)),
                 BarCandidate(7, xy + 1, np.linspace(50, 60, t), np.ones(t, bool)))
        bar = BarTrack(times, frame_index, xy, 55.5, None, "onnx:barbell@320", cands, 0.25, 0.125, 3)
    return PoseTrace(VideoInfo(60.0, 24, 0.4, 1920, 1080, 90, "h264", 12345), people, frame_index, times, 30.0,
                     "onnx", 0.5, 1.5, brightness=101.25, bar=bar,
                     scene_change=rng.random(t).astype(np.float32), samples_posed=9)


def assert_same(a, b):
    """Dataclasses field by field, arrays bit for bit with their dtype, NaN where NaN."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    else:
        assert a == b and type(a) is type(b)


@pytest.mark.parametrize("with_bar", [True, False])
def test_a_saved_trace_loads_back_the_same(tmp_path, with_bar):
    trace = make_trace(with_bar)
    path = save_trace(trace, tmp_path / "clip")
    assert path.name == "clip.npz" and trace_in(tmp_path, "clip") == path
    assert_same(load_trace(path), trace)
    np.load(path, allow_pickle=False)["keypoints"]  # no pickled object inside


def test_another_format_version_is_refused_in_words(tmp_path):
    path = save_trace(make_trace(), tmp_path / "clip.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["header"]))
    arrays["header"] = np.array(json.dumps({**header, "version": VERSION + 1}))
    np.savez(path, **arrays)
    with pytest.raises(TraceFileError, match=f"version {VERSION + 1}"):
        load_trace(path)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(TraceFileError, match="not a FormLens trace"):
        load_trace(tmp_path / "junk.npz")
    assert not zipfile.is_zipfile(tmp_path / "junk.npz")


def test_older_pickled_traces_load_under_their_old_module_paths(tmp_path):
    """Traces pickled before the modules moved name core.pipeline.PoseTrace and core.bar.types.BarTrack."""
    trace = make_trace()
    data = pickle.dumps(trace, protocol=0)
    old = data.replace(b"ccore.types\nPoseTrace\n", b"ccore.pipeline\nPoseTrace\n")
    old = old.replace(b"ccore.perception.bar.types\n", b"ccore.bar.types\n")
    assert old != data and b"core.bar.types" in old
    (tmp_path / "clip.pkl").write_bytes(old)
    assert trace_in(tmp_path, "clip").suffix == ".pkl"
    assert_same(load_trace(tmp_path / "clip.pkl"), trace)
    save_trace(load_trace(tmp_path / "clip.pkl"), tmp_path / "clip.npz")  # python -m bench.traces --convert
    assert trace_in(tmp_path, "clip").suffix == ".npz"
    assert_same(load_trace(trace_in(tmp_path, "clip")), trace)
