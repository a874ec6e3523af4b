"""Drawing a set: frame overlays (`annotate`), Plotly charts (`figures`) and annotated replays (`replay`)."""
