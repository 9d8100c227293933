#!/bin/sh
# badinput_net.sh — hostile packets below SIP, end to end (docs/bad-input.md,
# decode rows; h2's unit tests check each decoder's counters, this checks the
# whole program survives and loses nothing else): 2,000 never-completed IPv4
# fragments (tracker cap), overlapping/duplicate fragments, a fragment past
# 65,535 bytes and an empty one, TCP segments 2^31 and 2^30 out of window,
# HEPv3 whose total and chunk lengths lie, 40 nested VLAN tags, 30 nested
# IP-in-IP headers, frames cut at every early layer. Cases: gen.py net.
set -u
: "${SIPSCOPE:?}"
cd "$(dirname "$0")/../.."
BAD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/h7badnet.XXXXXX")
trap 'rm -rf "$BAD_DIR"' EXIT INT TERM
python3 tests/badinput/gen.py net "$BAD_DIR" || exit 1
. tests/badinput/lib.sh
for c in frag_flood frag_overlap frag_oversize hep_lying vlan_deep ipip_deep tiny_frames; do
    bad_run "$c"
done
# in-window data before the far-away segments is framed; the far segments
# are dropped (reasm_tcp.out_of_window) and the message after them survives
bad_run tcp_far_window tcp-first@x tcp-after-jump@x
exit $bad_fail
