#!/bin/sh
# media_tshark.sh — sipscope's RTP streams equal tshark's, capture by capture.
#
# For every shared capture in which tshark finds SDP-announced RTP (-z rtp,streams),
# tests/media_compare.py decodes those ports as RTP with tshark (-d udp.port==P,rtp) and
# compares each stream (source, destination, SSRC) with sipscope's JSON "media": packets
# and lost equal, the maximum and mean jitter within 0.01 ms + 0.5 %. Differences are
# failures unless tests/media-known-differences.tsv explains them. The comparator checks
# itself first on a fake input. Prints per-stream agreement.
#
# Env: SIPSCOPE (binary), SHARED (shared dir). Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.."
: "${SIPSCOPE:?SIPSCOPE not set}"
SHARED=${SHARED:-../shared}
PCAPS="$SHARED/pcaps"
[ -d "$PCAPS" ] || { echo "skip: no shared captures at $PCAPS"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "skip: tshark missing"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 missing"; exit 77; }
[ -x "$SIPSCOPE" ] || { echo "no sipscope binary at $SIPSCOPE"; exit 1; }

python3 tests/media_compare.py --selftest || { echo "media_compare self-test failed"; exit 1; }
fail=0 compared=0
for pcap in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng "$PCAPS"/*.cap; do
    [ -f "$pcap" ] || continue
    python3 tests/media_compare.py --sipscope "$SIPSCOPE" --pcap "$pcap" \
        --known tests/media-known-differences.tsv
    case $? in
    0) compared=$((compared + 1)) ;;
    77) ;;
    *) compared=$((compared + 1)); fail=1 ;;
    esac
done
if [ $compared -eq 0 ]; then
    echo "media_tshark: tshark found RTP in none of the shared captures"
    exit 1
fi
echo "media_tshark: $compared captures with RTP compared"
exit $fail
