# lib.sh — shared runner for tests/integration/badinput_{sip,net}.sh (sourced).
# bad_run CASE [needle...]: run `sipscope -r DIR/CASE.pcap --messages` under a
# 60 s limit; fail on a signal, timeout, sanitizer report or exit status other
# than 0/1, when the good exchange every case ends with (three messages of
# Call-ID bad-input-1@198.51.100.20) is not all in the output, or when a
# needle (a Call-ID the case expects to survive) is missing. A needle written
# "xfail:CALLID" is a known loss (docs/bad-input.md): reported as XFAIL while
# lost, as XPASS (update the docs) once found; neither fails the test.
bad_fail=0
bad_run() {
    name=$1; shift
    timeout 60 "$SIPSCOPE" -r "$BAD_DIR/$name.pcap" --messages >"$BAD_DIR/out" 2>"$BAD_DIR/err"
    rc=$?
    why=""
    if [ $rc -eq 124 ]; then why="timed out (60 s)"
    elif [ $rc -ge 128 ]; then why="killed by signal $((rc - 128))"
    elif grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer' "$BAD_DIR/err"; then why="sanitizer report"
    elif [ $rc -ne 0 ] && [ $rc -ne 1 ]; then why="exit $rc"
    else
        n=$(grep -c 'bad-input-1@198.51.100.20' "$BAD_DIR/out")
        [ "$n" -eq 3 ] || why="good exchange: $n of 3 messages reported"
        for needle in "$@"; do
            [ -n "$why" ] && break
            case "$needle" in
                xfail:*) if grep -qF "${needle#xfail:}" "$BAD_DIR/out"; then
                             echo "XPASS $name: ${needle#xfail:} now survives: update docs/bad-input.md"
                         else
                             echo "XFAIL $name: ${needle#xfail:} lost (known, docs/bad-input.md)"
                         fi ;;
                *) grep -qF "$needle" "$BAD_DIR/out" || why="message $needle lost" ;;
            esac
        done
    fi
    if [ -n "$why" ]; then
        echo "FAIL $name: $why"; head -5 "$BAD_DIR/err" | sed 's/^/    err: /'; bad_fail=1
    else
        echo "ok   $name (exit $rc, $(($(wc -l <"$BAD_DIR/out") - 1)) messages)"
    fi
}
