"""Accuracy benchmarks: answers on the real clips (rep counts, the bar tracker, coaching text, scene cuts)."""
