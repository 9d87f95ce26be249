#!/usr/bin/env bash
# The one test command: builds, lints, type-checks, then runs every test inside a private
# D-Bus session with a fresh, unlocked gnome-keyring, so keychain tests use the real
# Secret Service without touching the user's own keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CREDD_TEST_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "test/run.sh: $tool is missing (apt-get install dbus gnome-keyring); .ci/run installs it" >&2; exit 1; }
  done
  exec dbus-run-session -- env CREDD_TEST_SESSION=1 bash "$0" "$@"
fi

scratch="$(mktemp -d -t credd-test-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
# A non-empty password on stdin creates and unlocks a login keyring (an empty one does not).
eval "$(printf credd-test | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

npm run --silent build
npm run --silent typecheck
npm run --silent lint

if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test src -name '*.test.ts' | sort); fi
# Time limits: each test and hook has 10 min unless it sets its own. Node 20 also caps each
# whole file at that; Node 22+ does not, so there --test-force-exit ends a file whose teardown
# left a handle open (on Node 20 it would drop the reporters' output). The outer timeout
# stops a run that wedges anyway, so CI fails instead of hanging.
limits=(--test-timeout=600000)
[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ] || limits+=(--test-force-exit)
status=0
timeout --kill-after=30 "${CREDD_TEST_RUN_TIMEOUT:-2400}" \
  node --import tsx --test --test-concurrency=2 "${limits[@]}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter="$PWD/test/support/skip-summary.mjs" --test-reporter-destination="$scratch/summary.txt" \
    "${files[@]}" || status=$?
# Printed last: the skipped tests with their reasons, then "tests: N passed, N failed, N skipped".
cat "$scratch/summary.txt" 2>/dev/null || true
[ "$status" -ne 124 ] || echo "test/run.sh: the run took longer than ${CREDD_TEST_RUN_TIMEOUT:-2400} s and was stopped" >&2
exit "$status"
