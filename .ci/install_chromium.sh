#!/usr/bin/env bash
# Chromium for the docsite's browser check (.ci/docsite_check.py renders a page headless), from the OS packages.
# A quick no-op when a Chromium or Chrome is installed. Debian with apt-get, as root (CI) or with password-less sudo.
# (Ubuntu's "chromium" package is a snap wrapper: there, install Chrome or Chromium by other means, or set CHROMIUM.)
set -euo pipefail
for name in "${CHROMIUM:-}" chromium chromium-browser google-chrome google-chrome-stable; do
  if [ -n "$name" ] && command -v "$name" >/dev/null 2>&1; then
    echo "chromium: $("$name" --version 2>/dev/null || echo "$name") already installed"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: no Chromium found and no apt-get here; install Chromium with the OS package manager" >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "chromium: not found; run as root: apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
fi
echo "chromium: installing chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
