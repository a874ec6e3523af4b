"""User-facing errors. Their messages are written to be shown as they are."""

from __future__ import annotations


class FormLensError(Exception):
    """Base of every expected failure; ``str(err)`` is a message for the user."""


class UnreadableVideo(FormLensError):
    """The file is not a video FormLens can decode."""


class NoFramesDecoded(FormLensError):
    """A container opened but no picture could be decoded from it."""


class VideoTooShort(FormLensError):
    """The clip is too short to contain a repetition."""


class VideoTooLong(FormLensError):
    """The clip exceeds the configured duration limit."""


class VideoTooLarge(FormLensError):
    """The file or the frame size exceeds the configured limits."""


class NoPersonDetected(FormLensError):
    """No person was found in enough frames to analyse."""


class AnalysisTimeout(FormLensError):
    """Decoding or analysis ran past its time bound."""


class ModelUnavailable(FormLensError):
    """Pose weights could not be found or loaded."""


class UpsideDownVideo(FormLensError):
    """The lifter appears head-down: the video is stored upside down without a rotation flag."""
