#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/browser), which drive it with playwright-core.
# Idempotent and instant when /usr/bin/chromium is already there. Never use `npx playwright install`: it
# downloads a browser build from a CDN, which CI machines here cannot reach.
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then
  echo "chromium: using CHROMIUM_PATH=$CHROMIUM_PATH ($("$CHROMIUM_PATH" --version 2>/dev/null | head -n1))"
  exit 0
fi
if [ -x /usr/bin/chromium ]; then
  echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "chromium: /usr/bin/chromium is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Try the cached package lists first; refresh them only if the package is unknown or the install fails.
if ! $SUDO apt-get install -y --no-install-recommends chromium; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium
fi
echo "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
