#!/usr/bin/env bash
# make fuzz: builds `sieve-fuzz` with libFuzzer and AddressSanitizer (optimised, into .build-fuzz/) and runs every
# fuzz target — or those in FUZZ_TARGETS — for FUZZ_SECONDS seconds each, with -rss_limit_mb=512 -timeout=5 so a
# memory blow-up or a hang counts as a finding like a crash does.
#
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   space-separated target names (default: every target in fuzz/seeds.tsv)
#   FUZZ_JOBS      parallel libFuzzer workers per target (default 1; the machine has 2 cores)
#   FUZZ_CONFIG    release (default: faster executions) or debug (a shorter build, for CI's smoke pass)
#
# Corpora grow in .fuzz/corpus/<target>/ (kept between runs, not committed), seeded from fuzz/seeds.tsv and
# fuzz/regressions/. Findings land in .fuzz/findings/<target>/; minimise one with
#   SIEVE_FUZZ_TARGET=<target> .build-fuzz/release/sieve-fuzz -minimize_crash=1 -runs=10000 <file>
# and keep it in fuzz/regressions/<target>/ (the replay test in `make test` runs every file there).
# One line per target goes to .fuzz/report.tsv (this run) and .fuzz/history.tsv (every run, with its date):
# target, seconds, executions, executions/s, coverage, features, corpus files, peak RSS MB, findings.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
shared=${SIEVE_SHARED_DATA:-../shared/data}
targets=${FUZZ_TARGETS:-$(grep -v '^#' fuzz/seeds.tsv | cut -f1 | awk '!seen[$0]++' | tr '\n' ' ')}
config=${FUZZ_CONFIG:-release}
binary=.build-fuzz/$config/sieve-fuzz

echo "== building sieve-fuzz with -sanitize=fuzzer,address ($config) into .build-fuzz/"
if ! swift build -c "$config" --product sieve-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -g >/tmp/sieve-fuzz-build.log 2>&1; then
  tail -30 /tmp/sieve-fuzz-build.log
  echo "fuzz: the sanitized build failed (log: /tmp/sieve-fuzz-build.log)"
  exit 1
fi

mkdir -p .fuzz
# AddressSanitizer keeps freed memory in a quarantine (256 MB by default), which would count towards the 512 MB
# limit; 32 MB keeps use-after-free detection and lets the limit measure what the code holds. LeakSanitizer ignores
# the leaks listed (with the reason) in fuzz/lsan.supp. Swift's own crash backtracer is off: ASan reports instead.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32:detect_leaks=1:allocator_may_return_null=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}
export SWIFT_BACKTRACE=enable=no
report=.fuzz/report.tsv
printf 'target\tseconds\texecutions\texec_per_s\tcoverage\tfeatures\tcorpus\tpeak_rss_mb\tfindings\n' > "$report"
status=0
for t in $targets; do
  corpus=.fuzz/corpus/$t findings=.fuzz/findings/$t
  mkdir -p "$corpus" "$findings" "fuzz/regressions/$t"
  # Seeds: files and folders named in fuzz/seeds.tsv ("shared:" under ../shared/data, read in place).
  while IFS=$'\t' read -r target path; do
    [ "$target" = "$t" ] || continue
    case "$path" in shared:*) path="$shared/${path#shared:}" ;; esac
    if [ -d "$path" ]; then
      find "$path" -maxdepth 1 -type f -exec cp -n {} "$corpus/" \; 2>/dev/null
    elif [ -f "$path" ]; then
      cp -n "$path" "$corpus/" 2>/dev/null
    fi
  done < <(grep -v '^#' fuzz/seeds.tsv)
  log=.fuzz/$t.log
  echo "== $t: ${seconds}s"
  SIEVE_FUZZ_TARGET=$t "$binary" "$corpus" "fuzz/regressions/$t" -max_total_time="$seconds" -rss_limit_mb=512 \
    -timeout=5 -max_len=65536 $([ "$jobs" -gt 1 ] && echo "-jobs=$jobs -workers=$jobs") -print_final_stats=1 -artifact_prefix="$findings/" \
    >"$log" 2>&1
  rc=$?
  [ "$jobs" -gt 1 ] && cat fuzz-*.log >>"$log" 2>/dev/null && rm -f fuzz-*.log
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
  rate=$(awk -v e="$execs" -v s="$seconds" 'BEGIN { printf "%d", e / (s > 0 ? s : 1) }')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | awk '{ if ($2 > m) m = $2 } END {print m+0}')
  files=$(find "$corpus" -type f | wc -l)
  found=$(find "$findings" -type f | wc -l)
  line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$t" "$((seconds * jobs))" "$execs" "$rate" "${cov:-0}" "${ft:-0}" "$files" "$rss" "$found")
  echo "$line" >> "$report"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ)	$config	$line" >> .fuzz/history.tsv
  echo "   $execs executions ($rate/s), cov ${cov:-0}, ft ${ft:-0}, corpus $files, peak RSS ${rss} MB, findings $found"
  if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
    echo "   FINDING (exit $rc): see $log and $findings/"
    grep -E 'ERROR:|SUMMARY:|Fatal error|==ERROR' "$log" | head -5
    status=1
  fi
done
echo
column -t -s $'\t' "$report" 2>/dev/null || cat "$report"
exit $status
