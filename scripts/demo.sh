#!/usr/bin/env bash
# `npm run demo`: installs what is missing (Debian packages, npm packages), then runs `vnet demo`
# with the arguments given (e.g. `npm run demo -- --backend mixed`). Needs root. See docs/demo.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/vnet demo "$@"
