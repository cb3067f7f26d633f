#!/usr/bin/env bash
# Fuzz smoke test: builds the cargo-fuzz targets in fuzz/ (ASan, libFuzzer) and runs each one
# for FUZZ_SECONDS (default 30) from its committed seeds, with a per-input budget of
# FUZZ_MAX_MICROS of CPU time in the crate (default 10 ms; off for `jwk`, whose RSA key
# checks are configuration time, not request time). Any crash, leak, timeout (1 s) or slow
# input fails the script. A longer local run: see README.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${FUZZ_SECONDS:-30}"
MAX_MICROS="${FUZZ_MAX_MICROS:-10000}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
# cargo-fuzz needs unstable compiler flags: the nightly toolchain when there is one, else the
# stable one with RUSTC_BOOTSTRAP (it ships the sanitizer runtimes too).
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz() { cargo +nightly fuzz "$@"; }
else
  fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
fi

targets=(extract verify verify_claims jwk bodies)
start=$(date +%s)
fuzz build
echo "fuzz: built in $(( $(date +%s) - start )) s"

root="$PWD/fuzz"
mkdir -p "$root/corpus" "$root/artifacts"
for target in "${targets[@]}"; do
  corpus="$root/corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$root/seeds/$target" ] && seeds=("$root/seeds/$target")
  budget="$MAX_MICROS"
  [ "$target" = jwk ] && budget=""
  log="$root/artifacts/$target.log"
  echo "fuzz: $target for ${SECONDS_PER_TARGET} s"
  if ! FUZZ_MAX_MICROS="$budget" FUZZ_REPORT_SLOWEST=1 fuzz run "$target" "$corpus" "${seeds[@]}" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=1 -print_final_stats=1 \
    >"$log" 2>&1; then
    grep -E -A30 'ERROR|panicked' "$log" | head -60 >&2 || tail -40 "$log" >&2
    echo "fuzz: $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" || true
  grep '^fuzz-budget' "$log" | tail -1 || true
done
echo "fuzz: all targets clean in $(( $(date +%s) - start )) s"
