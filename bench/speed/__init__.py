"""Speed benchmarks: wall time, frames per second, latency and memory of the shipped defaults, run side by side."""
