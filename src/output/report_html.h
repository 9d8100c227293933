/*
 * report_html.h — `--report html`: one self-contained page (inline CSS and
 * SVG, no script, no external resource) to attach to a carrier ticket:
 * the diagnosis first, then each finding with its evidence and an SVG
 * call-flow ladder per evidence dialog, the peers and the run statistics.
 * report_html() itself is declared in report.h with the other renderers;
 * this header adds the page's bounds and the two helpers the tests check.
 *
 * Flow: snapshot → report_html. Thread: the caller's. Nothing returned
 * here points into the snapshot.
 */
#ifndef SIPSCOPE_REPORT_HTML_H
#define SIPSCOPE_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* The page is bounded whatever the capture: only the evidence dialogs are
 * drawn, and each of these caps is reported on the page when reached. */
#define HTML_MAX_FINDINGS 200   /* finding sections; the rest are counted */
#define HTML_MAX_LADDERS 40     /* call-flow ladders on the page */
#define HTML_MAX_ARROWS 80      /* messages drawn per ladder */
#define HTML_MAX_RAW 4096       /* bytes of one message's text shown */
#define HTML_RAW_BUDGET (2u << 20)  /* message text on the whole page */
#define HTML_MAX_PEERS 500      /* rows of the peer table */
#define HTML_MAX_MEDIA_CALLS 64 /* calls in the media table (bad audio first) */
#define HTML_MAX_COUNTERS 256   /* non-zero named counters listed */

/* Write n bytes of s HTML-escaped (& < > " '), valid UTF-8 only (invalid
 * bytes become U+FFFD), controls dropped except TAB and, with keep_nl,
 * LF. Safe in element text and in quoted attribute values. */
void report_html_escape(FILE *f, const char *s, size_t n, int keep_nl);

/* Copy SIP message text into out (cap bytes) with secrets masked: the
 * digest response and rspauth values and Basic credentials of
 * (Proxy-)Authorization and (Proxy-)Authentication-Info headers (folded
 * lines included), and any password/passwd/pwd/secret parameter anywhere.
 * A masked value becomes "********" whatever its length. Returns the
 * length written (<= cap; the text is cut there, never overflows). */
size_t report_html_mask(const char *in, size_t n, char *out, size_t cap);

#endif
