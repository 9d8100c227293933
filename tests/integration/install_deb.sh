#!/bin/sh
# install_deb.sh — the Debian package (issue 15, item 2). From a copy of the
# working tree (dpkg-buildpackage writes into the parent directory and
# debian/), `dpkg-buildpackage -us -uc -b -j2` builds sipscope_*.deb; its
# contents (dpkg-deb -c) hold the binary, man page, profiles, unit,
# completion and /etc/sipscope; the unit starts /usr/bin/sipscope; the
# maintainer script creates the user and group sipscope and re-applies the
# capabilities under a dpkg-statoverride; lintian reports no error. The
# packaged binary, run from elsewhere, knows the Twilio profile. Skips (77)
# when dpkg-buildpackage, debhelper or lintian are missing (`make check`
# installs them: scripts/install-deps test). About 30 s on 2 cores.
set -u
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
for t in dpkg-buildpackage dh lintian dpkg-deb; do
    command -v "$t" >/dev/null 2>&1 || { echo "no $t (scripts/install-deps test)"; exit 77; }
done
dpkg-query -W -f='${Status}' debhelper 2>/dev/null | grep -q "install ok installed" ||
    { echo "debhelper not installed"; exit 77; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# tracked and new (not ignored) files: what a checkout of this tree would hold
mkdir -p "$T/src/sipscope"
git ls-files -co --exclude-standard -z | xargs -0 cp -P --parents -t "$T/src/sipscope" 2>/dev/null
for f in debian/control debian/rules Makefile; do
    [ -f "$T/src/sipscope/$f" ] || { echo "FAIL: $f not copied"; exit 1; }
done
( cd "$T/src/sipscope" && DEB_BUILD_OPTIONS="parallel=2" \
    timeout 600 dpkg-buildpackage -us -uc -b -j2 ) >"$T/build.log" 2>&1 ||
    { tail -30 "$T/build.log"; echo "FAIL: dpkg-buildpackage"; exit 1; }
DEB=$(ls "$T"/src/sipscope_*_*.deb 2>/dev/null | grep -v dbgsym | head -1)
[ -n "$DEB" ] || { echo "FAIL: no .deb built"; exit 1; }

dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$T/list"
for f in /usr/bin/sipscope /usr/share/man/man1/sipscope.1.gz \
    /usr/share/sipscope/profiles/twilio.ini /lib/systemd/system/sipscope.service \
    /usr/share/bash-completion/completions/sipscope /etc/sipscope/sipscope.conf.example \
    /etc/sipscope/profiles/ /usr/share/doc/sipscope/copyright /usr/share/doc/sipscope/README.Debian; do
    grep -qx -- "$f" "$T/list" || bad "not in the package: $f"
done
for f in "$SRC"/profiles/*.ini; do
    grep -qx "/usr/share/sipscope/profiles/${f##*/}" "$T/list" || bad "profile ${f##*/} missing"
done
grep -q '^/build\|/debian/build\|\.o$' "$T/list" && bad "build files in the package"

mkdir -p "$T/x"
dpkg-deb -x "$DEB" "$T/x"
dpkg-deb -e "$DEB" "$T/x/DEBIAN"
grep -q '^ExecStart=/usr/bin/sipscope ' "$T/x/lib/systemd/system/sipscope.service" ||
    bad "packaged unit does not start /usr/bin/sipscope"
grep -q '^User=sipscope$' "$T/x/lib/systemd/system/sipscope.service" || bad "unit User"
PI=$T/x/DEBIAN/postinst
[ -f "$PI" ] || bad "no postinst"
grep -q 'adduser --system' "$PI" && grep -q 'addgroup --system' "$PI" ||
    bad "postinst does not create the system user and group sipscope"
grep -q 'setcap cap_net_raw,cap_net_admin=eip /usr/bin/sipscope' "$PI" || bad "postinst setcap"
grep -q 'etc/sipscope/sipscope.conf.example' "$T/x/DEBIAN/conffiles" 2>/dev/null ||
    bad "the sample config is not a conffile"
dpkg-deb -f "$DEB" Depends | grep -q 'libpcap' || bad "Depends lacks libpcap (shlibs)"
( cd "$T" && "$T/x/usr/bin/sipscope" -r "$SRC/pcaps/lab/ip_rejected.pcap" --no-tui 2>&1 ) |
    grep -q 'provider: twilio' || bad "packaged binary does not know the twilio profile"

CH=$(ls "$T"/src/sipscope_*_*.changes | head -1)
lintian --allow-root --fail-on error "$CH" >"$T/lintian" 2>&1
rc=$?
grep -v 'running with root privileges' "$T/lintian"
[ $rc -eq 0 ] || bad "lintian reports errors (exit $rc)"
grep -q '^E:' "$T/lintian" && bad "lintian E: lines"

[ $fail -eq 0 ] && echo "install_deb: ok ($(basename "$DEB"))"
exit $fail
