#!/usr/bin/env bash
# Load and soak check (tests/load.rs, #[ignore]d in plain `cargo test`): starts the
# token_revocation example and drives it with valid, forged, expired, revoked and missing
# tokens over keep-alive connections; fails on any wrong answer or on runaway server memory.
# Small numbers here so it stays well under a minute; locally, for example:
#   LOAD_REQUESTS=100000 LOAD_CONNECTIONS=64 cargo test --release --test load -- --ignored --nocapture
set -euo pipefail
cd "$(dirname "$0")/.."
export LOAD_REQUESTS="${LOAD_REQUESTS:-5000}"
export LOAD_CONNECTIONS="${LOAD_CONNECTIONS:-16}"
# The bound covers a relink of the test and the example; the check itself takes seconds.
timeout 300 cargo test --test load -- --ignored --nocapture
