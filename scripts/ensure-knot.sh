#!/usr/bin/env bash
# Make Knot DNS (Debian package `knot`) available for the local DNS server of the demo and tests.
set -euo pipefail
if command -v knotd >/dev/null 2>&1 || [ -x /usr/sbin/knotd ]; then exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "ensure-knot: installing the Debian package knot" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends knot >&2
