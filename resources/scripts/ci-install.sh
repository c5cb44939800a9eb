#!/usr/bin/env bash
# Installs everything the tests need on a machine that reaches only the npm registry and Debian:
# Debian's Chromium for Playwright (never a browser download), npm packages without the Electron
# binary and without onnxruntime-node's CUDA download; better-sqlite3 builds from source if needed.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export ONNXRUNTIME_NODE_INSTALL=skip
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
