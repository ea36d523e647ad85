#!/usr/bin/env bash
# Make Node.js (at least $NODE_MIN_VERSION, what the pinned @pulumi/pulumi needs) and npm available, for
# the TypeScript example (examples/typescript) and its end-to-end test. Installs Debian's `nodejs` and
# `npm` when they are missing; a Node.js older than the minimum is an error that says so.
set -euo pipefail
NODE_MIN_VERSION="${NODE_MIN_VERSION:-20.0.0}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "ensure-node: installing the Debian packages nodejs and npm" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >&2
fi
have="$(node --version | sed 's/^v//')"
if [ "$(printf '%s\n%s\n' "$have" "$NODE_MIN_VERSION" | sort -V | head -n1)" != "$NODE_MIN_VERSION" ]; then
  echo "ensure-node: Node.js $have is older than $NODE_MIN_VERSION, which @pulumi/pulumi in examples/typescript needs;" \
    "install Node.js $NODE_MIN_VERSION or newer (Debian 13, or NodeSource's packages on Debian 12)" >&2
  exit 1
fi
