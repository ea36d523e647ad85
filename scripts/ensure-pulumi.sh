#!/usr/bin/env bash
# Make a Pulumi CLI and the Python language host available and print the directory that holds them.
#
# Uses a `pulumi` on PATH when it is at least $PULUMI_MIN_VERSION; otherwise builds
# the CLI from the Go module proxy into a versioned cache outside the repo, so the
# next run (and CI on the same machine) reuses it. The official installer can't be
# reached from our machines and no package registry ships the binary.
#
# The Python language host (`pulumi-language-python` and its `-exec` shim), which plain
# `pulumi up` of a Python project needs, is built the same way into its own versioned
# cache and linked beside the CLI. Its current module (sdk/python/cmd/...) is refused by
# the proxy, so it comes from sdk/v3 v3.68.0, the last release that still holds it.
# The YAML language host (`pulumi-language-yaml`), which runs Pulumi YAML programs such as
# examples/yaml, is built from github.com/pulumi/pulumi-yaml into its own cache and linked too.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.274.1}"
PULUMI_MIN_VERSION="${PULUMI_MIN_VERSION:-3.200.0}"
PYTHON_HOST_VERSION="${PULUMI_PYTHON_HOST_VERSION:-3.68.0}"
CACHE_ROOT="${DMS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dms-sender-domains}"
BIN_DIR="$CACHE_ROOT/pulumi-v$PULUMI_VERSION/bin"
HOST_DIR="$CACHE_ROOT/pulumi-language-python-v$PYTHON_HOST_VERSION/bin"
HOST_FILES=(pulumi-language-python pulumi-language-python-exec)
YAML_HOST_VERSION="${PULUMI_YAML_HOST_VERSION:-1.25.0}"
YAML_HOST_DIR="$CACHE_ROOT/pulumi-language-yaml-v$YAML_HOST_VERSION/bin"
here="$(cd "$(dirname "$0")" && pwd)"

scratch=()
trap 'rm -rf "${scratch[@]}"' EXIT

version_ge() { # $1 >= $2, dotted versions
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]
}

# Plugins that are tiny scripts, installed beside the CLI: the dynamic-provider host, and the `dms`
# package's provider (SenderDomain for YAML and TypeScript programs).
PLUGIN_SCRIPTS=(pulumi-resource-pulumi-python pulumi-resource-dms)

install_plugin_script() {
  local script
  for script in "${PLUGIN_SCRIPTS[@]}"; do install -m 0755 "$here/$script" "$1/$script"; done
}

has_plugin_scripts() { # $1 holds our current plugin scripts
  local script
  for script in "${PLUGIN_SCRIPTS[@]}"; do cmp -s "$here/$script" "$1/$script" || return 1; done
}

has_python_host() { # $1 holds a usable Python language host
  [ -x "$1/pulumi-language-python" ] && [ -e "$1/pulumi-language-python-exec" ]
}

need_go() {
  command -v go >/dev/null 2>&1 || { echo "ensure-pulumi: Go is needed to build $1 (apt-get install golang-go)" >&2; exit 1; }
}

new_scratch() { # $1 := a new temporary folder inside $2, removed on exit
  mkdir -p "$2"
  printf -v "$1" '%s' "$(mktemp -d "$2/.build.XXXXXX")"
  scratch+=("${!1}")
}

build_python_host() { # into $HOST_DIR, once
  has_python_host "$HOST_DIR" && return 0
  need_go "the Pulumi Python language host"
  echo "ensure-pulumi: building the Pulumi Python language host v$PYTHON_HOST_VERSION from the Go module proxy (once; about a minute)" >&2
  local work out
  new_scratch work "${TMPDIR:-/tmp}"
  new_scratch out "$(dirname "$HOST_DIR")"
  # sdk/v3 carries a replace directive, so `go install` is refused; its old golang.org/x/text
  # needs pinning to build with a current Go.
  cat > "$work/go.mod" <<MOD
module dms.local/pythonhostbuild

go 1.21

replace golang.org/x/text => golang.org/x/text v0.3.6
MOD
  (
    cd "$work"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go get "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python@v$PYTHON_HOST_VERSION" >&2
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PYTHON_HOST_VERSION" \
      -o "$out/pulumi-language-python" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python >&2
    # The shim that runs the program is a Python script in the module, found beside the host.
    module="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
    install -m 0755 "$module/python/cmd/pulumi-language-python-exec" "$out/pulumi-language-python-exec"
  )
  chmod 0755 "$out"
  if ! has_python_host "$HOST_DIR"; then # else another run finished first: keep its build
    rm -rf "$HOST_DIR"; mv "$out" "$HOST_DIR"
  fi
}

link_python_host() { # $1: a bin folder of ours in $CACHE_ROOT; the host's files are linked into it
  build_python_host
  local file
  for file in "${HOST_FILES[@]}"; do # relative links: the cache can move as a whole
    ln -sfn "../../$(basename "$(dirname "$HOST_DIR")")/bin/$file" "$1/$file"
  done
}

build_yaml_host() { # into $YAML_HOST_DIR, once
  [ -x "$YAML_HOST_DIR/pulumi-language-yaml" ] && return 0
  need_go "the Pulumi YAML language host"
  echo "ensure-pulumi: building the Pulumi YAML language host v$YAML_HOST_VERSION from the Go module proxy (once; a few minutes)" >&2
  local work out
  new_scratch work "${TMPDIR:-/tmp}"
  new_scratch out "$(dirname "$YAML_HOST_DIR")"
  cat > "$work/go.mod" <<MOD
module dms.local/yamlhostbuild

go 1.24
MOD
  (
    cd "$work"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go get "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$YAML_HOST_VERSION" >&2
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_HOST_VERSION" \
      -o "$out/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml >&2
  )
  chmod 0755 "$out"
  if [ ! -x "$YAML_HOST_DIR/pulumi-language-yaml" ]; then # else another run finished first: keep its build
    rm -rf "$YAML_HOST_DIR"; mv "$out" "$YAML_HOST_DIR"
  fi
}

link_yaml_host() { # $1: a bin folder of ours in $CACHE_ROOT
  build_yaml_host
  ln -sfn "../../$(basename "$(dirname "$YAML_HOST_DIR")")/bin/pulumi-language-yaml" "$1/pulumi-language-yaml"
}

if [ -z "${DMS_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  have="$(pulumi version 2>/dev/null | sed 's/^v//')"
  if [ -n "$have" ] && version_ge "$have" "$PULUMI_MIN_VERSION"; then
    found_dir="$(dirname "$(command -v pulumi)")"
    if has_plugin_scripts "$found_dir" && has_python_host "$found_dir" \
      && [ -x "$found_dir/pulumi-language-yaml" ]; then
      echo "$found_dir"; exit 0
    fi
    # Callers want one folder with the CLI, the plugin and the language host: link the CLI beside ours.
    found="$(readlink -f "$(command -v pulumi)")" # never a link to our own link
    linked="$CACHE_ROOT/pulumi-on-path/bin"
    mkdir -p "$linked"
    ln -sf "$found" "$linked/pulumi"
    install_plugin_script "$linked"
    if has_python_host "$(dirname "$found")"; then # an official install's own (newer) host
      for file in "${HOST_FILES[@]}"; do ln -sfn "$(dirname "$found")/$file" "$linked/$file"; done
    else
      link_python_host "$linked"
    fi
    if [ -x "$(dirname "$found")/pulumi-language-yaml" ]; then
      ln -sfn "$(dirname "$found")/pulumi-language-yaml" "$linked/pulumi-language-yaml"
    else
      link_yaml_host "$linked"
    fi
    echo "$linked"; exit 0
  fi
fi

if [ ! -x "$BIN_DIR/pulumi" ]; then
  need_go "the Pulumi CLI"
  echo "ensure-pulumi: building Pulumi CLI v$PULUMI_VERSION from the Go module proxy (once; takes several minutes)" >&2
  new_scratch work "${TMPDIR:-/tmp}"
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
  cd "$here"
fi

install_plugin_script "$BIN_DIR"
link_python_host "$BIN_DIR"
link_yaml_host "$BIN_DIR"
echo "$BIN_DIR"
