#!/usr/bin/env bash
# Runs test files with node's test runner under time limits, then prints the skipped tests
# with their reasons and the last line "tests: N passed, N failed, N skipped" — also when the
# outer timeout stops the run, then with the tests still running at that moment.
# Called by test/run.sh after the build (the e2e tests run dist/); no files = every *.test.ts.
# CREDD_TEST_RUN_TIMEOUT: seconds for the whole run (default 2400).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test src -name '*.test.ts' | sort); fi
out="$(mktemp -d -t credd-test-run-XXXXXX)"
trap 'rm -rf "$out"' EXIT
limit="${CREDD_TEST_RUN_TIMEOUT:-2400}"
# Time limits: each test and hook has 10 min unless it sets its own. Node 20 also caps each
# whole file at that; Node 22+ does not, so there --test-force-exit ends a file whose teardown
# left a handle open (on Node 20 it would drop the reporters' output). The outer timeout
# stops a run that wedges anyway, so CI fails instead of hanging.
limits=(--test-timeout=600000)
[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ] || limits+=(--test-force-exit)
status=0
# The summary reporter also keeps the summary so far in CREDD_TEST_PROGRESS (the tests still
# running counted as failed): what is printed if the run is stopped before it ends.
CREDD_TEST_PROGRESS="$out/progress.txt" timeout --kill-after=30 "$limit" \
  node --import tsx --test --test-concurrency=2 "${limits[@]}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter="$PWD/test/support/skip-summary.mjs" --test-reporter-destination="$out/summary.txt" \
    "${files[@]}" || status=$?
# 124: timed out; 137: killed 30 s later because it ignored the TERM.
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "test/run-files.sh: the run took longer than $limit s and was stopped" >&2
fi
# Printed last, so the count line is the last line of the run.
if [ -s "$out/summary.txt" ]; then
  cat "$out/summary.txt"
elif [ -s "$out/progress.txt" ]; then
  cat "$out/progress.txt"
else
  printf '\nno test reported anything\ntests: 0 passed, 0 failed, 0 skipped\n'
fi
# node:test exits 0 when a todo test fails; the summary counts every todo test as failed, and
# so does the exit status (as it does a run whose reporter never wrote a summary).
if [ "$status" -eq 0 ]; then
  failed="$( (tail -n 1 "$out/summary.txt" 2>/dev/null || true) | sed -n 's/^tests: [0-9]* passed, \([0-9]*\) failed.*/\1/p')"
  if [ "$failed" != 0 ]; then
    echo "test/run-files.sh: node's test runner exited 0, but the summary counts ${failed:-an unknown number of} failed tests" >&2
    status=1
  fi
fi
exit "$status"
