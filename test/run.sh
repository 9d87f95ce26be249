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

# Runs the files under the time limits and prints the closing summary (kept even when the
# outer timeout stops the run): test/run-files.sh.
status=0
bash test/run-files.sh "$@" || status=$?
exit "$status"
