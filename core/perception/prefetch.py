"""Decode ahead in a thread so video decoding overlaps pose inference.

Why: PyAV and onnxruntime both release the GIL, so on a 2-core laptop a
decoder thread can fill a small queue while the model runs. The queue is
bounded, so at most ``depth`` frames are in memory however long the clip.
Errors raised while decoding (unreadable file, timeout) are re-raised in the
consumer, and a consumer that stops early stops the thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()
PUT_POLL_S = 0.1  # s; how often a blocked producer checks whether the consumer has gone


class Prefetcher(Generic[T]):
    """Iterate ``source`` in a daemon thread; ``busy_s`` is the thread's time spent producing items."""

    def __init__(self, source: Iterator[T], depth: int) -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self.busy_s = 0.0
        self._thread = threading.Thread(target=self._run, args=(source,), name="formlens-decode", daemon=True)
        self._thread.start()

    def _run(self, source: Iterator[T]) -> None:
        item: object = _DONE
        try:
            while not self._stop.is_set():
                t = time.perf_counter()
                try:
                    item = next(source)
                except StopIteration:
                    item = _DONE
                    break
                finally:
                    self.busy_s += time.perf_counter() - t
                if not self._put(item):
                    return
        except BaseException as err:  # handed to the consumer, which raises it
            item = err
        finally:
            close = getattr(source, "close", None)
            if close is not None and not isinstance(item, BaseException):
                close()
        self._put(item)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=PUT_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            self.close()

    def close(self) -> None:
        """Stop the producer (it exits within PUT_POLL_S) and wait for it."""
        self._stop.set()
        self._thread.join(timeout=5.0)
