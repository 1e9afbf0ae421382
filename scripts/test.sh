#!/usr/bin/env bash
# The whole test suite: installs what is missing, type-checks, then runs every test (unit,
# conformance, integration against real OVS and Linux bridges, browser) and prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== type check"
npx tsc --noEmit -p .

echo "== tests"
report="$(mktemp /tmp/vnet-vitest-XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
exit "$status"
