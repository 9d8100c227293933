#!/bin/sh
# oracle.sh — sipscope's SIP messages against tshark's, capture by capture.
#
# For every capture in $SHARED/pcaps with a NAME.sip.tsv oracle (tshark
# 4.0.17, see MANIFEST.md "Oracle"), runs `$SIPSCOPE -r FILE --messages` and
# compares the multiset of (frame, method-or-status, Call-ID) with tshark's,
# then, message by message, addresses, ports, transport, CSeq and time to
# the microsecond (tests/oracle_compare.py). Prints per-file agreement
# (matched / tshark / ours); fails on any difference not recorded, with its
# reason, in tests/known-differences.tsv.
#
# Env: SIPSCOPE (binary), SHARED (shared dir). Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.."
: "${SIPSCOPE:?SIPSCOPE not set}"
SHARED=${SHARED:-../shared}
PCAPS="$SHARED/pcaps"
if [ ! -d "$PCAPS" ]; then
    echo "skip: no shared captures at $PCAPS"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "skip: python3 missing"
    exit 77
fi
if [ ! -x "$SIPSCOPE" ]; then
    echo "no sipscope binary at $SIPSCOPE"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oracle.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# The comparison logic is itself checked first, on a small fake input with
# one of each kind of difference, so a broken comparator cannot pass all.
python3 tests/oracle_compare.py --selftest || { echo "oracle_compare self-test failed"; exit 1; }

fail=0 files=0
for tsv in "$PCAPS"/*.sip.tsv; do
    [ -f "$tsv" ] || continue
    pcap=${tsv%.sip.tsv}
    name=$(basename "$pcap")
    [ -f "$pcap" ] || continue
    files=$((files + 1))
    timeout 120 "$SIPSCOPE" -r "$pcap" --messages >"$tmp/ours.tsv" 2>"$tmp/err.txt" </dev/null
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
        echo "$name: sipscope exited $rc"
        sed 's/^/    /' "$tmp/err.txt" | tail -5
        fail=1
        continue
    fi
    python3 tests/oracle_compare.py --name "$name" --tsv "$tsv" --ours "$tmp/ours.tsv" \
        --rc $rc --known tests/known-differences.tsv || fail=1
done
if [ $files -eq 0 ]; then
    echo "no oracles found in $PCAPS"
    exit 1
fi
echo "oracle: $files captures compared"
exit $fail
