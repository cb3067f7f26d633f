#!/usr/bin/env bash
# Browser test: Swagger UI of the example apps, driven in Debian's chromium by playwright-core.
# Installs chromium from apt when it is missing, installs the pinned npm dependency from the
# lockfile, builds the examples, then runs swagger.mjs (screenshots in target/browser/).
set -euo pipefail
cd "$(dirname "$0")/../.."

CHROMIUM=/usr/bin/chromium
if [[ ! -x "$CHROMIUM" ]]; then
    echo "browser: $CHROMIUM is missing; installing Debian's chromium"
    if [[ "$(id -u)" -eq 0 ]]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "browser: not root and no sudo; install chromium (apt-get install chromium)" >&2
        exit 1
    fi
    "${SUDO[@]}" apt-get update
    # Without recommends: those pull in ~100 desktop packages (systemd, cups, perl) that a
    # headless run does not use; fonts-liberation is the one recommend a screenshot wants.
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends chromium fonts-liberation
fi

(cd .ci/browser && npm ci --no-audit --no-fund)
cargo build --examples
node .ci/browser/swagger.mjs
