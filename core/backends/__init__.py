"""Pose backends beyond ultralytics: direct onnxruntime YOLO-pose and top-down ViTPose.

Each satisfies :class:`core.pose.PoseBackend`; build them through
:func:`core.pose.load_backend` so the CLI, the pages and the batch runner agree.
"""
