#!/bin/sh
# install_prefix.sh — `make install` (issue 15, item 1). A release build
# (not the ASan one: what users install) staged with DESTDIR=$T/root
# PREFIX=/usr holds the binary, man page, profiles, /etc/sipscope, the unit
# (ExecStart at /usr/bin/sipscope) and a bash completion that offers every
# option of --help. The binary, copied elsewhere and run from an empty
# directory, still knows the providers (compiled-in profiles: "provider:
# twilio" on a lab capture). A profile on disk with the same id replaces the
# built-in one: from --profiles, and (second install, PREFIX=$T/pfx) from
# $(PREFIX)/share/sipscope/profiles and, above it, $(SYSCONFDIR)/sipscope/profiles.
# ./profiles in the current directory is read only when named. Bounded: one
# build at -j2 (~30 s on 2 cores), then a relink.
set -u
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
PCAP=pcaps/lab/ip_rejected.pcap
[ -f "$PCAP" ] || { echo "no $PCAP"; exit 77; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

make --no-print-directory -j2 BUILD="$T/build" PREFIX=/usr DESTDIR="$T/root" install \
    >"$T/make.log" 2>&1 || { tail -20 "$T/make.log"; echo "FAIL: make install"; exit 1; }

R=$T/root
for f in usr/bin/sipscope usr/share/man/man1/sipscope.1 usr/share/sipscope/profiles/twilio.ini \
    etc/sipscope/sipscope.conf.example usr/lib/systemd/system/sipscope.service \
    usr/share/bash-completion/completions/sipscope; do
    [ -f "$R/$f" ] || bad "not installed: /$f"
done
[ -d "$R/etc/sipscope/profiles" ] || bad "no /etc/sipscope/profiles directory"
[ -x "$R/usr/bin/sipscope" ] || bad "binary not executable"
for f in "$SRC"/profiles/*.ini; do
    cmp -s "$f" "$R/usr/share/sipscope/profiles/${f##*/}" || bad "profile ${f##*/} differs"
done
grep -q '^ExecStart=/usr/bin/sipscope ' "$R/usr/lib/systemd/system/sipscope.service" ||
    bad "unit ExecStart is not /usr/bin/sipscope"
grep -aq '/usr/share/sipscope/profiles' "$R/usr/bin/sipscope" &&
    grep -aq '/etc/sipscope/profiles' "$R/usr/bin/sipscope" ||
    bad "the binary does not search the PREFIX=/usr profile directories"
"$R/usr/bin/sipscope" -V >/dev/null 2>&1 || bad "installed binary does not run"

# bash completion: every option --help names is offered
C=$R/usr/share/bash-completion/completions/sipscope
bash -n "$C" || bad "completion is not valid bash"
opts=$("$R/usr/bin/sipscope" --help 2>&1 |
    grep -oE -- '(^|[ ,])(-[a-zA-Z]|--[a-z][a-z-]+)\b' | tr -d ' ,' | sort -u)
[ "$(printf '%s\n' "$opts" | wc -l)" -ge 20 ] || bad "too few options read from --help: $opts"
got=$(bash -c '. "$1"; COMP_WORDS=(sipscope -); COMP_CWORD=1; _sipscope;
    printf "%s\n" "${COMPREPLY[@]}"' _ "$C" 2>&1)
for o in $opts; do
    printf '%s\n' "$got" | grep -qx -- "$o" || bad "completion does not offer $o"
done
got=$(bash -c '. "$1"; COMP_WORDS=(sipscope --report j); COMP_CWORD=2; _sipscope;
    printf "%s\n" "${COMPREPLY[@]}"' _ "$C" 2>&1)
[ "$got" = json ] || bad "completion of --report j gave '$got'"

# a copied binary, run from an empty directory, still knows Twilio
mkdir -p "$T/elsewhere" "$T/cwd"
cp "$R/usr/bin/sipscope" "$T/elsewhere/ss"
( cd "$T/cwd" && "$T/elsewhere/ss" -r "$SRC/$PCAP" --no-tui >"$T/out" 2>"$T/err" )
grep -q 'provider: twilio' "$T/out" || { bad "copied binary lost the twilio profile"; cat "$T/err"; }
grep -q 'IP Access Control List' "$T/out" || bad "copied binary lost the Twilio fix text"

# an on-disk profile with the same id replaces the built-in one
MARK="Twilio answers a source IP that is not in the trunk's"
grep -q "$MARK" "$T/out" || bad "built-in text '$MARK' not in the report"
mkdir -p "$T/prof"
sed "s/$MARK/SITE-OVERRIDE answers/" "$SRC/profiles/twilio.ini" >"$T/prof/twilio.ini"
( cd "$T/cwd" && "$T/elsewhere/ss" -r "$SRC/$PCAP" --no-tui --profiles "$T/prof" >"$T/out2" 2>&1 )
grep -q 'SITE-OVERRIDE answers' "$T/out2" || bad "--profiles twilio.ini did not override"
grep -q "$MARK" "$T/out2" && bad "built-in twilio text still shown after the override"
grep -q 'provider: twilio' "$T/out2" || bad "override lost the provider"

# ./profiles is not searched unless named
mkdir -p "$T/cwd/profiles"
sed "s/$MARK/CWD-COPY answers/" "$SRC/profiles/twilio.ini" >"$T/cwd/profiles/twilio.ini"
( cd "$T/cwd" && "$T/elsewhere/ss" -r "$SRC/$PCAP" --no-tui >"$T/out3" 2>&1 )
grep -q 'CWD-COPY' "$T/out3" && bad "./profiles was read without --profiles"
( cd "$T/cwd" && "$T/elsewhere/ss" -r "$SRC/$PCAP" --no-tui --profiles profiles >"$T/out3" 2>&1 )
grep -q 'CWD-COPY' "$T/out3" || bad "--profiles profiles (relative) not read"

# another prefix: the share and etc directories it was built for override too
P=$T/pfx
make --no-print-directory -j2 BUILD="$T/build" PREFIX="$P" install >"$T/make2.log" 2>&1 ||
    { tail -20 "$T/make2.log"; bad "make install PREFIX=$P"; }
grep -q "^ExecStart=$P/bin/sipscope " "$P/lib/systemd/system/sipscope.service" ||
    bad "unit ExecStart does not follow PREFIX"
sed "s/$MARK/SHARE-COPY answers/" "$SRC/profiles/twilio.ini" >"$P/share/sipscope/profiles/twilio.ini"
( cd "$T/cwd" && "$P/bin/sipscope" -r "$SRC/$PCAP" --no-tui >"$T/out4" 2>&1 )
grep -q 'SHARE-COPY' "$T/out4" || bad "$P/share/sipscope/profiles did not override the built-in"
sed "s/$MARK/ETC-COPY answers/" "$SRC/profiles/twilio.ini" >"$P/etc/sipscope/profiles/twilio.ini"
( cd "$T/cwd" && "$P/bin/sipscope" -r "$SRC/$PCAP" --no-tui >"$T/out4" 2>&1 )
grep -q 'ETC-COPY' "$T/out4" || bad "$P/etc/sipscope/profiles did not override the share copy"
( cd "$T/cwd" && "$P/bin/sipscope" -r "$SRC/$PCAP" --no-tui --profiles "$T/prof" >"$T/out4" 2>&1 )
grep -q 'SITE-OVERRIDE' "$T/out4" || bad "--profiles did not override /etc"

# uninstall removes what install put there, local profiles excepted
make --no-print-directory BUILD="$T/build" PREFIX=/usr DESTDIR="$R" uninstall >/dev/null 2>&1 ||
    bad "make uninstall"
left=$(find "$R" -type f)
[ -z "$left" ] || bad "left after uninstall: $left"

[ $fail -eq 0 ] && echo "install_prefix: ok"
exit $fail
