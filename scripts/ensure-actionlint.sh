#!/usr/bin/env bash
# Make actionlint (the GitHub Actions workflow linter) available and print its path.
#
# Uses an `actionlint` on PATH when there is one; otherwise builds it once from the Go module
# proxy into a versioned cache outside the repo (seconds to a minute), like ensure-pulumi.sh.
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-1.7.12}"
CACHE_ROOT="${DMS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dms-sender-domains}"
BIN_DIR="$CACHE_ROOT/actionlint-v$ACTIONLINT_VERSION/bin"

if [ -z "${DMS_FORCE_BUILD:-}" ] && command -v actionlint >/dev/null 2>&1; then
  command -v actionlint; exit 0
fi
if [ -x "$BIN_DIR/actionlint" ]; then
  echo "$BIN_DIR/actionlint"; exit 0
fi

command -v go >/dev/null 2>&1 || { echo "ensure-actionlint: Go is needed to build actionlint (apt-get install golang-go)" >&2; exit 1; }

echo "ensure-actionlint: building actionlint v$ACTIONLINT_VERSION from the Go module proxy (once)" >&2
mkdir -p "$BIN_DIR.tmp"
# `go install` into a folder of our own: GOBIN keeps it out of ~/go/bin; no go.mod is needed.
GOBIN="$BIN_DIR.tmp" GOFLAGS="-buildvcs=false" \
  go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION" >&2
rm -rf "$BIN_DIR"; mv "$BIN_DIR.tmp" "$BIN_DIR"
echo "$BIN_DIR/actionlint"
