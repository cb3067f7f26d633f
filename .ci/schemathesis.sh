#!/usr/bin/env bash
# Schemathesis (property-based API testing, from PyPI) against every reference app's own
# OpenAPI document, with a valid token: every status and content type an operation answers
# must be documented, bodies must match their schemas, valid requests must be accepted and
# invalid ones refused (`--checks all`). Bounded: a few generated cases per operation, so
# the whole step stays within a few minutes on two cores. Fails on any failure.
#
# Tokens are handed to schemathesis in a header and never printed: schemathesis masks the
# Authorization header in its output (`--output-sanitize true`, its default, set explicitly).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

TARGET="${CARGO_TARGET_DIR:-target}"
VENV="$TARGET/schemathesis-venv"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-10}"

if ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4.32,<5"
fi
"$VENV/bin/schemathesis" --version

EXAMPLES=(jwt_auth jwt_cookie_auth oauth2_password_bearer token_revocation refresh_tokens
  custom_token verify_issuer_audience custom_decode_payload session_auth)
build=()
for example in "${EXAMPLES[@]}"; do build+=(--example "$example"); done
cargo build --quiet "${build[@]}"
cargo build --quiet --features jwks --example jwks_resource_server

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME [ENV=VALUE ...]: runs the example on a free port; sets ADDR_OF_LAST.
start() {
  local name="$1"; shift
  local log="$WORK/$name.$RANDOM.out"
  env ADDR=127.0.0.1:0 JWT_SECRET="$SECRET" "$@" "$TARGET/debug/examples/$name" >"$log" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 100); do
    if ADDR_OF_LAST="$(sed -n "1s|^$name listening on http://||p" "$log")" && [ -n "$ADDR_OF_LAST" ]; then
      return 0
    fi
    sleep 0.1
  done
  echo "schemathesis: $name did not start" >&2
  return 1
}

# post ADDR PATH BODY: the JSON login; prints the raw response (headers and body) to a file.
post() {
  curl -s -i -o "$WORK/reply" -X POST "http://$1$2" -H 'content-type: application/json' -d "$3"
}

# The token of the last reply, from the Authorization header or a JSON field. Never printed.
from_header() { sed -n 's/^authorization: Bearer //Ip' "$WORK/reply" | tr -d '\r'; }
from_json() { sed -n '$p' "$WORK/reply" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

FAILED=()
# check LABEL ADDR TOKEN [FILTER ...]: schemathesis against the document of the app at ADDR,
# limited to the operations FILTER selects.
check() {
  local label="$1" addr="$2" token="$3"; shift 3
  local config=.ci/schemathesis.toml
  if [ "$*" = "--include-path /refresh" ]; then config=.ci/schemathesis-refresh.toml; fi
  if [ -z "$token" ]; then
    echo "schemathesis: no token for $label" >&2
    FAILED+=("$label"); return
  fi
  # A session cookie ("Cookie: session=..") is sent as it is; anything else is a bearer token.
  local credential="Authorization: Bearer $token"
  case "$token" in Cookie:*) credential="$token" ;; esac
  echo "== schemathesis: $label $*"
  if ! "$VENV/bin/schemathesis" --config-file "$config" \
      run "http://$addr/schema/openapi.json" "$@" \
      -H "$credential" \
      --checks all --max-examples "$MAX_EXAMPLES" --seed 1 \
      --generation-database none --output-sanitize true --no-color --workers 2; then
    FAILED+=("$label $*")
  fi
}

SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
USER_JSON='{"id":"5a7c5b0e-8a3f-4c52-9a55-6f1f2b0c9d11","name":"Ada","email":"ada@example.com"}'

# token NAME ADDR: logs in to the app and prints its token (into a variable, never a log).
token() {
  case "$1" in
    jwt_auth|jwt_cookie_auth|token_revocation) post "$2" /login "$USER_JSON"; from_header ;;
    oauth2_password_bearer|refresh_tokens) post "$2" /login "$USER_JSON"; from_json access_token ;;
    custom_token) post "$2" /login '{"id":"alice","token_flag":true}'; from_json token ;;
    verify_issuer_audience) post "$2" /login '{"id":"alice"}'; from_json token ;;
    custom_decode_payload) post "$2" /login '{"id":"alice@example.com"}'; from_json token ;;
  esac
}

for name in jwt_auth oauth2_password_bearer custom_token verify_issuer_audience custom_decode_payload; do
  start "$name"
  check "$name" "$ADDR_OF_LAST" "$(token "$name" "$ADDR_OF_LAST")"
done
# Logging out revokes the token a run uses: the other operations first, then each logout
# with a token of its own. POST /refresh has settings of its own (see the file).
for name in jwt_cookie_auth token_revocation refresh_tokens; do
  start "$name"; addr="$ADDR_OF_LAST"
  check "$name" "$addr" "$(token "$name" "$addr")" --exclude-path-regex '^/(logout|refresh)'
  check "$name" "$addr" "$(token "$name" "$addr")" --include-path /logout
  if [ "$name" = refresh_tokens ]; then
    check "$name" "$addr" "$(token "$name" "$addr")" --include-path /logout-all
    check "$name" "$addr" "$(token "$name" "$addr")" --include-path /refresh
  fi
done

# session_auth: a session cookie instead of a token. Logging in drops the session the
# request carried, so /signup and /login run apart from the routes that need the session.
session() {
  post "$1" /signup "{\"name\":\"Ada\",\"email\":\"$RANDOM.$RANDOM@example.com\",\"password\":\"correct horse\"}"
  sed -n 's/^set-cookie: \(session=[^;]*\).*/Cookie: \1/Ip' "$WORK/reply" | tr -d '\r'
}
start session_auth SESSION_COOKIE_SECURE=false; addr="$ADDR_OF_LAST"
check session_auth "$addr" "$(session "$addr")" --exclude-path-regex '^/(logout|login|signup)'
check session_auth "$addr" "$(session "$addr")" --include-path-regex '^/(login|signup)'
check session_auth "$addr" "$(session "$addr")" --include-path /logout

# jwks_resource_server: the issuer, then a resource server reading the issuer's keys.
start jwks_resource_server MODE=issuer; ISSUER_ADDR="$ADDR_OF_LAST"
post "$ISSUER_ADDR" /token '{"sub":"ada"}'
check "jwks_resource_server (issuer)" "$ISSUER_ADDR" "$(from_json access_token)"
start jwks_resource_server JWKS_URL="http://$ISSUER_ADDR/.well-known/jwks.json"
# A token with the scopes and the role /read, /write and /admin require, so that those
# operations are tested past their 403.
post "$ISSUER_ADDR" /token '{"sub":"ada","scope":"read write","roles":["admin"]}'
check "jwks_resource_server" "$ADDR_OF_LAST" "$(from_json access_token)"

if [ "${#FAILED[@]}" -ne 0 ]; then
  printf 'schemathesis: failures in:\n' >&2
  printf '  %s\n' "${FAILED[@]}" >&2
  exit 1
fi
echo "schemathesis: no failure"
