#!/usr/bin/env bash
# Make Pulumi's Python language host available (for plain `pulumi preview/up` of this project, as
# CI runs it) and print the directory that holds it.
#
# Uses a `pulumi-language-python` on PATH when there is one (a normal Pulumi install has it).
# Otherwise builds it once into a versioned cache: the current host's module is not served by the
# Go module proxy, but sdk/v3 up to v3.68.0 still contains it, and it runs this project with CLI
# v3.274.1. Its helper script `pulumi-language-python-exec` is copied beside it.
set -euo pipefail

HOST_VERSION="${PULUMI_PYTHON_HOST_VERSION:-3.68.0}"
CACHE_ROOT="${DMS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dms-sender-domains}"
BIN_DIR="$CACHE_ROOT/pulumi-language-python-v$HOST_VERSION/bin"

if [ -z "${DMS_FORCE_BUILD:-}" ] && command -v pulumi-language-python >/dev/null 2>&1; then
  dirname "$(command -v pulumi-language-python)"; exit 0
fi
if [ -x "$BIN_DIR/pulumi-language-python" ] && [ -x "$BIN_DIR/pulumi-language-python-exec" ]; then
  echo "$BIN_DIR"; exit 0
fi

command -v go >/dev/null 2>&1 || { echo "ensure-python-host: Go is needed to build the Python language host" >&2; exit 1; }

echo "ensure-python-host: building pulumi-language-python v$HOST_VERSION from the Go module proxy (once)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# sdk/v3 carries a replace directive, so `go install` is refused: a throwaway module repeats it.
cat > go.mod <<MOD
module dms.local/pythonhost

go 1.21

replace golang.org/x/text => golang.org/x/text v0.3.6
MOD
export GOFLAGS="-mod=mod -buildvcs=false"
go get "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python@v$HOST_VERSION" >&2
mkdir -p "$BIN_DIR.tmp"
go build -trimpath -ldflags "-s -w" -o "$BIN_DIR.tmp/pulumi-language-python" \
  github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python >&2
module_dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$module_dir/python/cmd/pulumi-language-python-exec" "$BIN_DIR.tmp/pulumi-language-python-exec"
rm -rf "$BIN_DIR"; mv "$BIN_DIR.tmp" "$BIN_DIR"
echo "$BIN_DIR"
