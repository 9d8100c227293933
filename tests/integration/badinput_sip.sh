#!/bin/sh
# badinput_sip.sh — hostile SIP inside otherwise valid captures, end to end
# (docs/bad-input.md, SIP rows; h3's unit tests check the parser's verdict on
# each, this checks the whole program survives them and loses nothing else):
# Content-Length negative, huge, absent, lying, repeated; NUL bytes and
# non-UTF-8 in headers; 1,300 Via in one datagram and 10,000 over TCP; 60 KB
# and 100 KB header lines; folding abuse; only CRLFs (UDP and a TCP stream of
# 80 KB of keep-alives); unparseable Authorization/WWW-Authenticate values;
# malformed start lines, CSeq and Call-ID. Cases: tests/badinput/gen.py sip.
set -u
: "${SIPSCOPE:?}"
cd "$(dirname "$0")/../.."
BAD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/h7badsip.XXXXXX")
trap 'rm -rf "$BAD_DIR"' EXIT INT TERM
python3 tests/badinput/gen.py sip "$BAD_DIR" || exit 1
. tests/badinput/lib.sh
for c in cl_negative cl_huge cl_absent cl_lying_long cl_lying_short cl_twice nul_bytes non_utf8 \
         via_1300_udp header_60k_udp folding_abuse only_crlfs_udp \
         bad_auth bad_start_lines bad_cseq_callid; do
    bad_run "$c"
done
# RFC 5626 keep-alives are CRLFs: 80 KB of them must not hide the next message
bad_run only_crlfs_tcp after-crlf@x
# a 100 KB header line is rejected (too_big) and the stream goes on
bad_run header_100k_tcp after-long@x
# 10,000 Via (~450 KB of header) overflow the stream's buffer before the
# header ends: that message is dropped (reasm_tcp.msg_too_large) and the
# stream, which carried SIP, resyncs on the next start line
bad_run via_10000_tcp after-vias@x
exit $bad_fail
