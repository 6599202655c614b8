#!/usr/bin/env bash
# Checks the systemd unit templates in deploy/systemd/: renders them the way `make install` does (sed over the
# @BINDIR@, @SYSCONFDIR@, @DATADIR@ placeholders) into a folder, runs `systemd-analyze verify` on every rendered
# unit, and prints the `systemd-analyze security --offline=yes` exposure score of every service (informational).
#
#   scripts/check-units.sh [OUTDIR]
#
# OUTDIR: where to render (kept afterwards, with the full security reports as security-<unit>.txt); without it a
# temporary folder is used and removed. Exit 0 clean, 1 when verify failed or printed anything about our units
# (warnings count), 77 when systemd-analyze is not installed (skip).
set -euo pipefail

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "check-units: systemd-analyze not found (Debian: apt-get install systemd); skipping the unit checks" >&2
    exit 77
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src="$root/deploy/systemd"

if [ $# -ge 1 ]; then
    out=$1
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
else
    out=$(mktemp -d "${TMPDIR:-/tmp}/sieve-units.XXXXXX")
    trap 'rm -rf "$out"' EXIT
fi

# verify checks that every Exec*= binary exists and is executable: a stand-in `sieve` in a real folder.
bindir="$out/bin"
mkdir -p "$bindir"
printf '#!/bin/sh\nexit 0\n' >"$bindir/sieve"
chmod 755 "$bindir/sieve"

# A value for sed's replacement side: |, & and \ escaped.
sed_value() { printf '%s' "$1" | sed 's/[|&\\]/\\&/g'; }
b=$(sed_value "$bindir")

units=()
for f in "$src"/*.service "$src"/*.timer "$src"/*.target; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    sed -e "s|@BINDIR@|$b|g" -e "s|@SYSCONFDIR@|/etc|g" -e "s|@DATADIR@|/usr/share|g" "$f" >"$out/$name"
    units+=("$name")
done
if [ ${#units[@]} -eq 0 ]; then
    echo "check-units: no unit files in $src" >&2
    exit 1
fi

status=0
if grep -n '@[A-Z_]*@' "${units[@]/#/$out/}"; then
    echo "check-units: placeholders left after rendering (above)" >&2
    status=1
fi

# Templates cannot be verified as such: verify instances of them, one plain and one with an escaped comma
# (what `systemd-escape --template sieve-worker@.service crawl,classify` gives), linked to the template.
targets=()
for name in "${units[@]}"; do
    case $name in
        *@.service)
            stem=${name%@.service}
            for instance in crawl 'crawl\x2cclassify'; do
                ln -sf "$name" "$out/$stem@$instance.service"
                targets+=("$stem@$instance.service")
            done
            ;;
        *) targets+=("$name") ;;
    esac
done

# What this systemd-analyze supports (read whole: `| grep -q` could end it with SIGPIPE under pipefail).
help=$(systemd-analyze --help 2>&1 || true)

echo "== systemd-analyze verify (rendered into $out)"
verify_args=(--man=no)
# Only our units' own errors decide the exit status (not those of units they refer to, e.g. multi-user.target).
case $help in *--recursive-errors*) verify_args+=(--recursive-errors=no) ;; esac
verify_rc=0
log=$(systemd-analyze verify "${verify_args[@]}" "${targets[@]/#/$out/}" 2>&1) || verify_rc=$?
[ -n "$log" ] && printf '%s\n' "$log"
# verify also loads the units ours refer to (multi-user.target, network-online.target, postgresql.service …)
# from the host, and on some machines (containers, hosts without systemd as PID 1) it prints warnings about
# those host units or about the manager itself. Those are not ours to fix: only lines that name one of our units
# or the render folder count.
ours=$(printf '%s\n' "$log" | grep -F -e "$out" -e sieve-serve -e sieve-worker -e sieve-schedule -e sieve-run \
    -e sieve.target || true)
if [ "$verify_rc" -ne 0 ]; then
    echo "check-units: systemd-analyze verify exited with $verify_rc" >&2
    status=1
elif [ -n "$ours" ]; then
    echo "check-units: systemd-analyze verify printed the above about our units" >&2
    status=1
else
    [ -n "$log" ] && echo "(the lines above are about host units, not ours: ignored)"
    echo "verify: clean (${#targets[@]} units: ${targets[*]})"
fi

echo "== systemd-analyze security --offline=yes (informational)"
if [[ $help == *--offline* ]]; then
    for name in "${targets[@]}"; do
        case $name in *.service) ;; *) continue ;; esac
        report="$out/security-$name.txt"
        if systemd-analyze security --no-pager --offline=yes "$out/$name" >"$report" 2>&1; then
            grep -F 'Overall exposure level' "$report" || echo "$name: no overall score in the report ($report)"
        else
            echo "$name: systemd-analyze security failed:"
            cat "$report"
        fi
    done
else
    echo "this systemd-analyze has no --offline (systemd < 250); skipped"
fi

exit "$status"
