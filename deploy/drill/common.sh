# Shared by the drills (sourced from deploy/*.sh after `cd` to the project folder): ROOT, the sieve binary to use
# (SIEVE=…, default .build/release/sieve, else .build/debug/sieve), log().
ROOT=$PWD
SIEVE=${SIEVE:-}
if [ -z "$SIEVE" ]; then
  if [ -x .build/release/sieve ]; then SIEVE=$ROOT/.build/release/sieve; else SIEVE=$ROOT/.build/debug/sieve; fi
fi
[ -x "$SIEVE" ] || { echo "drill: build sieve first (swift build -c release --product sieve)" >&2; exit 1; }
DRILL=$ROOT/deploy/drill/drill.py
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
