"""The project's own tools, not part of the distribution: the local Knot server, the Automation API runner
and `make demo`. The tests and the benchmarks use them; a user's program never does."""
