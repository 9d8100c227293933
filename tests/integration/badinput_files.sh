#!/bin/sh
# badinput_files.sh — bad files a user points sipscope at, end to end
# (docs/bad-input.md, "Files" rows; h6's unit tests check the loaders, this
# checks what the program does with them): a --secrets file readable by
# others, a --config and a --profiles file with errors. Each must stop the
# run with exit 2 and one line naming FILE (and :LINE where there is one),
# and no output may ever contain the password.
set -u
: "${SIPSCOPE:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/h7badfiles.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
P=${SHARED:?}/pcaps/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng
[ -r "$P" ] || { echo "no $P"; exit 77; }
PW='Zq8-not-a-real-password-7Kx'
fail=0
check() {  # name expected-stderr-regex command...
    name=$1 re=$2; shift 2
    timeout 60 "$@" >"$T/out" 2>"$T/err"
    rc=$?
    why=""
    if [ $rc -ne 2 ]; then why="exit $rc, expected 2"
    elif ! grep -qE "$re" "$T/err"; then why="stderr lacks /$re/"
    elif grep -qF "$PW" "$T/out" "$T/err"; then why="the password appears in the output"
    fi
    if [ -n "$why" ]; then echo "FAIL $name: $why"; sed 's/^/    err: /' "$T/err" | head -5; fail=1
    else echo "ok   $name: $(head -1 "$T/err")"; fi
}

printf '# test\nalice %s\n' "$PW" >"$T/secrets"
chmod 644 "$T/secrets"
check secrets_mode_0644 "$T/secrets.*(0644|mode)" "$SIPSCOPE" -r "$P" --secrets "$T/secrets"
chmod 660 "$T/secrets"
check secrets_mode_0660 "$T/secrets.*(0660|mode)" "$SIPSCOPE" -r "$P" --secrets "$T/secrets"
printf 'alice\n' >"$T/secrets_bad"
chmod 600 "$T/secrets_bad"
check secrets_bad_line "secrets_bad:1" "$SIPSCOPE" -r "$P" --secrets "$T/secrets_bad"
check secrets_missing "nonexistent" "$SIPSCOPE" -r "$P" --secrets "$T/nonexistent"

printf '[trunk a]\nprovider = twilio\nbogus = 1\n' >"$T/config.ini"
check config_unknown_key "config.ini:3" "$SIPSCOPE" -r "$P" --config "$T/config.ini"
printf '[trunk a]\nip_acl = 198.51.100.0/99\n' >"$T/config2.ini"
check config_bad_cidr "config2.ini:2" "$SIPSCOPE" -r "$P" --config "$T/config2.ini"

mkdir "$T/prof"
printf '[provider]\nid = x\nthis is not ini\n' >"$T/prof/x.ini"
check profile_syntax "x.ini:3" "$SIPSCOPE" -r "$P" --profiles "$T/prof"

# a good secrets file: the run works and still never shows the password
printf 'alice %s\n' "$PW" >"$T/secrets_ok"
chmod 600 "$T/secrets_ok"
"$SIPSCOPE" -r "$P" --secrets "$T/secrets_ok" >"$T/out" 2>"$T/err"
rc=$?
for fmt in text json markdown; do
    "$SIPSCOPE" -r "$P" --secrets "$T/secrets_ok" --report $fmt >>"$T/out" 2>>"$T/err"
done
if [ $rc -gt 1 ] || grep -qF "$PW" "$T/out" "$T/err"; then
    echo "FAIL secrets_ok: exit $rc or the password appears"; fail=1
else
    echo "ok   secrets_ok: exit $rc, password in no report format"
fi
exit $fail
