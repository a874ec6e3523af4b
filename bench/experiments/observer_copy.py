"""Cost per analysed frame of handing the bar tracker an RGB copy (old) vs the decoded BGR frame (now).

    nice -n 10 .venv/bin/python -m bench.experiments.observer_copy

Old: run_pose made an RGB copy for observers, the tracker made grey from it and, on detector frames, the
detector flipped it back to BGR. Now: grey straight from the decoded BGR frame, the detector takes it as is.
480x270 = a 16:9 frame decoded for 480-px pose. Both variants alternate in one process (same load).
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from bench.common import load_avg, machine_line


def old(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rgb = np.ascontiguousarray(img[..., ::-1])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.ascontiguousarray(rgb[..., ::-1])


def new(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), img


def main() -> None:
    print(machine_line())
    img = np.random.default_rng(0).integers(0, 255, (270, 480, 3), np.uint8)
    for f in (old, new, old, new):
        t = time.perf_counter()
        for _ in range(2000):
            f(img)
        print(f"{f.__name__}: {(time.perf_counter() - t) / 2000 * 1e3:.3f} ms per frame (480x270), load {load_avg()}")


if __name__ == "__main__":
    main()
