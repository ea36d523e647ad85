#!/usr/bin/env bash
# Make a Pulumi CLI available and print the directory that holds it.
#
# Uses a `pulumi` on PATH when it is at least $PULUMI_MIN_VERSION; otherwise builds
# the CLI from the Go module proxy into a versioned cache outside the repo, so the
# next run (and CI on the same machine) reuses it. The official installer can't be
# reached from our machines and no package registry ships the binary.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.274.1}"
PULUMI_MIN_VERSION="${PULUMI_MIN_VERSION:-3.200.0}"
CACHE_ROOT="${DMS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dms-sender-domains}"
BIN_DIR="$CACHE_ROOT/pulumi-v$PULUMI_VERSION/bin"
here="$(cd "$(dirname "$0")" && pwd)"

version_ge() { # $1 >= $2, dotted versions
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]
}

install_plugin_script() { # the dynamic-provider plugin is a tiny script beside the CLI
  install -m 0755 "$here/pulumi-resource-pulumi-python" "$1/pulumi-resource-pulumi-python"
}

if [ -z "${DMS_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  have="$(pulumi version 2>/dev/null | sed 's/^v//')"
  if [ -n "$have" ] && version_ge "$have" "$PULUMI_MIN_VERSION"; then
    found="$(command -v pulumi)"
    if [ -x "$(dirname "$found")/pulumi-resource-pulumi-python" ]; then
      dirname "$found"; exit 0
    fi
    # Callers want one folder with both the CLI and the plugin: link the CLI beside ours.
    linked="$CACHE_ROOT/pulumi-on-path/bin"
    mkdir -p "$linked"
    ln -sf "$found" "$linked/pulumi"
    install_plugin_script "$linked"
    echo "$linked"; exit 0
  fi
fi

if [ -x "$BIN_DIR/pulumi" ]; then
  install_plugin_script "$BIN_DIR"
  echo "$BIN_DIR"; exit 0
fi

command -v go >/dev/null 2>&1 || { echo "ensure-pulumi: Go is needed to build the Pulumi CLI (apt-get install golang-go)" >&2; exit 1; }

echo "ensure-pulumi: building Pulumi CLI v$PULUMI_VERSION from the Go module proxy (once; takes several minutes)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# pkg/v3 carries replace directives, so `go install pkg@v` is refused: build from a
# throwaway module that pins pkg and sdk together and repeats the non-local replace.
cat > go.mod <<MOD
module dms.local/pulumibuild

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
export GOFLAGS="-mod=mod -buildvcs=false"
go mod tidy >&2
mkdir -p "$BIN_DIR.tmp"
go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
  -o "$BIN_DIR.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
rm -rf "$BIN_DIR"; mv "$BIN_DIR.tmp" "$BIN_DIR"
install_plugin_script "$BIN_DIR"
echo "$BIN_DIR"
