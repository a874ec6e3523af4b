"""One-off studies whose decision is made (docs/decisions.md, docs/performance.md); kept runnable to re-check it."""
