"""Evaluations on real material, printed as tables (``python -m core evaluate ...``)."""
