#!/usr/bin/env bash
# The payments tests' chain: a virtualenv with pinned eth-tester (py-evm) and vyper, created once and reused.
# Prints the virtualenv's python. Usage: scripts/devchain-setup.sh [folder]   (default /var/cache/golem-provider/devchain-venv)
set -euo pipefail
venv=${1:-${GOLEM_TEST_DEVCHAIN_VENV:-/var/cache/golem-provider/devchain-venv}}
pins=("eth-tester[py-evm]==0.14.0b1" "py-evm==0.12.1b1" "vyper==0.4.3")
stamp=$(printf '%s\n' "${pins[@]}" | sha256sum | cut -c1-16)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.pins" 2>/dev/null)" = "$stamp" ]; then
  echo "$venv/bin/python"; exit 0
fi
# Debian splits ensurepip out of python3: without python3-venv, `python3 -m venv` cannot make a virtualenv.
dpkg -s python3-venv >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}" >&2
echo "$stamp" > "$venv/.pins"
echo "$venv/bin/python"
