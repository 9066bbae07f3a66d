#!/usr/bin/env bash
# BIND 9 (named + rndc) for the lab's DNS (lab/dns), from the OS packages. A quick no-op when named is installed.
# Debian/Ubuntu with apt-get, as root (CI) or with password-less sudo.
set -euo pipefail
if command -v named >/dev/null 2>&1 || [ -x /usr/sbin/named ]; then
  echo "bind: $( (command -v named >/dev/null 2>&1 && named -v) || /usr/sbin/named -v) already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bind: named not found and no apt-get here; install BIND 9 (named, rndc) with the OS package manager" >&2
  exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "bind: named not found; run as root: apt-get update && apt-get install -y bind9 bind9-utils" >&2
    exit 1
  fi
fi
echo "bind: installing bind9 bind9-utils with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends bind9 bind9-utils >/dev/null
/usr/sbin/named -v
