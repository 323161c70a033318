# Test services (sourced by scripts/test and scripts/with-services).
#
# Each other executable in scripts/services/ runs one service the tests talk to (a queue, a
# database, a cloud emulator):
#     scripts/services/NAME start STATE_DIR   installs what it needs when missing, starts the
#                                             service on free loopback ports, waits until it
#                                             answers, and prints KEY=VALUE lines — the
#                                             environment the tests read (HOOKSTREAM_TEST_…);
#     scripts/services/NAME stop STATE_DIR    stops it and removes its state.
# A service that cannot start fails the run: tests that need it never skip.

services_state=""

# start_test_services [NAME…]: starts the named services (all when none) and exports their
# environment into the calling shell.
start_test_services() {
  local dir names=() name out line
  dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  services_state=$(mktemp -d)
  if [ $# -gt 0 ]; then names=("$@"); else
    for path in "$dir"/*; do
      name=$(basename "$path")
      [ "$name" = lib.sh ] || [ ! -x "$path" ] || names+=("$name")
    done
  fi
  for name in "${names[@]}"; do
    printf '\n==> Starting test service %s\n' "$name"
    if ! out=$("$dir/$name" start "$services_state/$name"); then
      echo "Test service $name did not start (its files: $services_state/$name)." >&2
      return 1
    fi
    while IFS= read -r line; do
      [ -n "$line" ] && export "${line?}" && echo "   $line"
    done <<< "$out"
  done
}

stop_test_services() {
  local dir state
  [ -n "$services_state" ] && [ -d "$services_state" ] || return 0
  dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  for state in "$services_state"/*; do
    [ -d "$state" ] && "$dir/$(basename "$state")" stop "$state" >/dev/null 2>&1 || true
  done
  rm -rf "$services_state"
}
