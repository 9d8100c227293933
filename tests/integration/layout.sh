#!/bin/sh
# layout.sh — the source tree shows the pipeline (issue 12): a folder per
# stage with its README.md, nothing loose in src/, include/ only contracts,
# no stage including a later stage's header, no include cycle. The checks
# are in layout.py (it prints the stage graph); this runs it in make check.
exec python3 "$(dirname "$0")/layout.py"
