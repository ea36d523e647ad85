#!/usr/bin/env bash
# `make bench`: runs every benchmark listed below with bench/.venv's Python, one after the other.
# Each prints its markdown table and rewrites its own marked section of bench/README.md.
# To add one: append a line to BENCHES (a script in bench/ and its arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${BENCH_PYTHON:-bench/.venv/bin/python}

BENCHES=(
  "bench/route53_vs_octodns.py --readme bench/README.md"
  "bench/vs_checkdmarc.py --readme bench/README.md"
  "bench/verify_time.py --readme bench/README.md"
  "bench/scale.py --readme bench/README.md"
  "bench/cold_start.py --readme bench/README.md"
)

for bench in "${BENCHES[@]}"; do
  echo "== $bench" >&2
  # shellcheck disable=SC2086  # each entry is a command line: split it into words
  "$PY" $bench
done
