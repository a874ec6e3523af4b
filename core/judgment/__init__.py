"""Judgment: lift type and style, the fault table, calibration, per-rep verdicts and the learned models."""
