#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core; install it when the machine lacks it.
# (Playwright's own browser download cannot work here: only Debian's packages and npm are reachable.)
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing and installing it needs root: run 'apt-get install chromium' first." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
