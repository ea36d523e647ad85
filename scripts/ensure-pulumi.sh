#!/usr/bin/env bash
# Make a Pulumi CLI and the language hosts available and print the directory that holds them.
#
# Uses a `pulumi` on PATH when it is at least $PULUMI_MIN_VERSION; otherwise builds
# the CLI from the Go module proxy into a versioned cache outside the repo, so the
# next run (and CI on the same machine) reuses it. The official installer can't be
# reached from our machines and no package registry ships the binary.
#
# Beside the CLI, each built the same way into its own versioned cache and linked (unless the
# `pulumi` on PATH comes with its own):
# - the Python language host (`pulumi-language-python` and its `-exec` shim), which plain `pulumi up`
#   of a Python project needs. Its current module (sdk/python/cmd/...) is refused by the proxy, so it
#   comes from sdk/v3 v3.68.0, the last release that still holds it;
# - the Node.js language host, for TypeScript programs such as examples/typescript: sdk/v3 v3.68.0 too,
#   for the same reason;
# - the YAML language host, for Pulumi YAML programs such as examples/yaml, from github.com/pulumi/pulumi-yaml;
# - pulumi-gen-nodejs-sdk (scripts/gen-nodejs-sdk), the CLI's own Node.js SDK generator: the Node.js
#   host v3.68.0 can't do `pulumi package gen-sdk --language nodejs` (it lacks GeneratePackage).
# The plugin scripts (pulumi-resource-pulumi-python, pulumi-resource-dms) are installed there as well.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.274.1}"
PULUMI_MIN_VERSION="${PULUMI_MIN_VERSION:-3.200.0}"
PYTHON_HOST_VERSION="${PULUMI_PYTHON_HOST_VERSION:-3.68.0}"
NODEJS_HOST_VERSION="${PULUMI_NODEJS_HOST_VERSION:-3.68.0}"
YAML_HOST_VERSION="${PULUMI_YAML_HOST_VERSION:-1.25.0}"
CACHE_ROOT="${DMS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dms-sender-domains}"
here="$(cd "$(dirname "$0")" && pwd)"
BIN_DIR="$CACHE_ROOT/pulumi-v$PULUMI_VERSION/bin"
HOST_DIR="$CACHE_ROOT/pulumi-language-python-v$PYTHON_HOST_VERSION/bin"
HOST_FILES=(pulumi-language-python pulumi-language-python-exec)
NODEJS_HOST_DIR="$CACHE_ROOT/pulumi-language-nodejs-v$NODEJS_HOST_VERSION/bin"
YAML_HOST_DIR="$CACHE_ROOT/pulumi-language-yaml-v$YAML_HOST_VERSION/bin"
GEN_SOURCE="$here/gen-nodejs-sdk/main.go"
# Keyed by its source too: a changed generator is built again.
GEN_DIR="$CACHE_ROOT/pulumi-gen-nodejs-sdk-v$PULUMI_VERSION-$(sha256sum "$GEN_SOURCE" | cut -c1-12)/bin"

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

start_build() { # $1: what, $2: its cache folder; sets work (the Go module) and out (what becomes $2)
  need_go "$1"
  echo "ensure-pulumi: building $1 from the Go module proxy (once; a minute or a few)" >&2
  new_scratch work "${TMPDIR:-/tmp}"
  new_scratch out "$(dirname "$2")"
}

finish_build() { # $1: its cache folder, $2: the file that marks it built
  chmod 0755 "$out"
  if [ ! -x "$1/$2" ]; then # else another run finished first: keep its build
    rm -rf "$1"; mv "$out" "$1"
  fi
}

pulumi_go_mod() { # $1: the module's name; it pins pkg/v3 and sdk/v3 at the CLI's version
  # pkg/v3 carries replace directives, so `go install pkg@v` is refused: build from a
  # throwaway module that pins pkg and sdk together and repeats the non-local replace.
  cat <<MOD
module dms.local/$1

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
}

build_sdk_host() { # $1: python | nodejs, $2: its version, $3: its folder; built into $3 once, from sdk/v3
  local language="$1" version="$2" dir="$3" work out
  [ -x "$dir/pulumi-language-$language" ] && return 0
  start_build "the Pulumi $language language host v$version" "$dir"
  # sdk/v3 carries a replace directive, so `go install` is refused; its old golang.org/x/text
  # needs pinning to build with a current Go.
  cat > "$work/go.mod" <<MOD
module dms.local/${language}hostbuild

go 1.21

replace golang.org/x/text => golang.org/x/text v0.3.6
MOD
  (
    cd "$work"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go get "github.com/pulumi/pulumi/sdk/v3/$language/cmd/pulumi-language-$language@v$version" >&2
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
      -o "$out/pulumi-language-$language" "github.com/pulumi/pulumi/sdk/v3/$language/cmd/pulumi-language-$language" >&2
    if [ "$language" = python ]; then # the shim that runs the program: a Python script found beside the host
      module="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
      install -m 0755 "$module/python/cmd/pulumi-language-python-exec" "$out/pulumi-language-python-exec"
    fi
  )
  finish_build "$dir" "pulumi-language-$language"
}

build_yaml_host() { # into $YAML_HOST_DIR, once
  local work out
  [ -x "$YAML_HOST_DIR/pulumi-language-yaml" ] && return 0
  start_build "the Pulumi YAML language host v$YAML_HOST_VERSION" "$YAML_HOST_DIR"
  printf 'module dms.local/yamlhostbuild\n\ngo 1.24\n' > "$work/go.mod"
  (
    cd "$work"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go get "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$YAML_HOST_VERSION" >&2
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_HOST_VERSION" \
      -o "$out/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml >&2
  )
  finish_build "$YAML_HOST_DIR" pulumi-language-yaml
}

build_sdk_generator() { # into $GEN_DIR, once
  local work out
  [ -x "$GEN_DIR/pulumi-gen-nodejs-sdk" ] && return 0
  start_build "pulumi-gen-nodejs-sdk (pkg/v3 v$PULUMI_VERSION)" "$GEN_DIR"
  pulumi_go_mod gennodejssdk > "$work/go.mod"
  cp "$GEN_SOURCE" "$work/main.go"
  (
    cd "$work"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go mod tidy >&2
    go build -trimpath -ldflags "-s -w" -o "$out/pulumi-gen-nodejs-sdk" . >&2
  )
  finish_build "$GEN_DIR" pulumi-gen-nodejs-sdk
}

link_built() { # $1: a bin folder of ours in $CACHE_ROOT, $2: a cache folder, then the files to link
  local bin="$1" dir="$2" file
  shift 2
  for file in "$@"; do # relative links: the cache can move as a whole
    ln -sfn "../../$(basename "$(dirname "$dir")")/bin/$file" "$bin/$file"
  done
}

link_tools() { # $1: a bin folder of ours; $2: the found CLI's folder, whose own (newer) hosts are preferred
  local official="${2:-}" file
  if [ -n "$official" ] && has_python_host "$official"; then
    for file in "${HOST_FILES[@]}"; do ln -sfn "$official/$file" "$1/$file"; done
  else
    has_python_host "$HOST_DIR" || rm -f "$HOST_DIR/pulumi-language-python" # a build without its shim
    build_sdk_host python "$PYTHON_HOST_VERSION" "$HOST_DIR"
    link_built "$1" "$HOST_DIR" "${HOST_FILES[@]}"
  fi
  if [ -n "$official" ] && [ -x "$official/pulumi-language-nodejs" ]; then
    ln -sfn "$official/pulumi-language-nodejs" "$1/pulumi-language-nodejs"
  else
    build_sdk_host nodejs "$NODEJS_HOST_VERSION" "$NODEJS_HOST_DIR"
    link_built "$1" "$NODEJS_HOST_DIR" pulumi-language-nodejs
  fi
  if [ -n "$official" ] && [ -x "$official/pulumi-language-yaml" ]; then
    ln -sfn "$official/pulumi-language-yaml" "$1/pulumi-language-yaml"
  else
    build_yaml_host
    link_built "$1" "$YAML_HOST_DIR" pulumi-language-yaml
  fi
  build_sdk_generator
  link_built "$1" "$GEN_DIR" pulumi-gen-nodejs-sdk
}

has_tools() { # $1 holds the plugin scripts, every language host and the SDK generator
  has_plugin_scripts "$1" && has_python_host "$1" && [ -x "$1/pulumi-language-nodejs" ] \
    && [ -x "$1/pulumi-language-yaml" ] && [ "$(readlink "$1/pulumi-gen-nodejs-sdk" || true)" = \
      "../../$(basename "$(dirname "$GEN_DIR")")/bin/pulumi-gen-nodejs-sdk" ]
}

if [ -z "${DMS_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  have="$(pulumi version 2>/dev/null | sed 's/^v//')"
  if [ -n "$have" ] && version_ge "$have" "$PULUMI_MIN_VERSION"; then
    found_dir="$(dirname "$(command -v pulumi)")"
    if has_tools "$found_dir"; then
      echo "$found_dir"; exit 0
    fi
    # Callers want one folder with the CLI, the plugins and the language hosts: link the CLI beside ours.
    found="$(readlink -f "$(command -v pulumi)")" # never a link to our own link
    linked="$CACHE_ROOT/pulumi-on-path/bin"
    mkdir -p "$linked"
    ln -sf "$found" "$linked/pulumi"
    install_plugin_script "$linked"
    link_tools "$linked" "$(dirname "$found")"
    echo "$linked"; exit 0
  fi
fi

if [ ! -x "$BIN_DIR/pulumi" ]; then
  start_build "the Pulumi CLI v$PULUMI_VERSION" "$BIN_DIR"
  pulumi_go_mod pulumibuild > "$work/go.mod"
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  (
    cd "$work"
    export GOFLAGS="-mod=mod -buildvcs=false"
    go mod tidy >&2
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  )
  finish_build "$BIN_DIR" pulumi
fi

install_plugin_script "$BIN_DIR"
link_tools "$BIN_DIR"
echo "$BIN_DIR"
