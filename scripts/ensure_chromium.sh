#!/usr/bin/env bash
# The browser end-to-end test drives Debian's Chromium (never a downloaded browser build).
# Installs it when missing and we are root; otherwise the browser test skips with a reason.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser test…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser test will be skipped"
else
  echo "note: chromium not found and not root; the browser test will be skipped"
fi
exit 0
