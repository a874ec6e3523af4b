"""The coach's tools: stored athletes and sets, history, rep comparison, classroom summaries, exports and
sign-in."""
