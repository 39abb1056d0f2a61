#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the build and the tests need, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
command -v python3 >/dev/null 2>&1 || need+=(python3)
[ -x /usr/bin/setsid ] || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

swift build
# The integration suites start whole nodes; one at a time keeps them honest on a 2-core machine.
swift test --no-parallel "$@"
