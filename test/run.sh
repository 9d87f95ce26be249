#!/usr/bin/env bash
# The one test command: builds, lints, type-checks, then runs every test inside a private
# D-Bus session whose bus starts a fresh, unlocked gnome-keyring when a test first asks for
# it (test/support/dbus), so keychain tests use the real Secret Service without touching the
# user's own keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CREDD_TEST_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "test/run.sh: $tool is missing (apt-get install dbus gnome-keyring); .ci/run installs it" >&2; exit 1; }
  done
  scratch="$(mktemp -d -t credd-test-XXXXXX)"
  trap 'rm -rf "$scratch"' EXIT
  # Set before the bus starts: the keyring it starts (test/support/dbus) lives here, and one it
  # restarts after a crash finds the same keyring file.
  export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  status=0
  CREDD_TEST_SESSION=1 dbus-run-session --config-file=test/support/dbus/session.conf -- bash "$0" "$@" || status=$?
  exit "$status"
fi

npm run --silent build
npm run --silent typecheck
npm run --silent lint

# Runs the files under the time limits and prints the closing summary (kept even when the
# outer timeout stops the run): test/run-files.sh.
status=0
bash test/run-files.sh "$@" || status=$?
exit "$status"
