"""Learned judgments (torch): features, networks, training and evaluation.

Nothing here imports torch at package import; ``core.judgment.classify`` is the public entry point.
"""
