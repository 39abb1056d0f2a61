#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the build and the tests need, builds the offline guest image
# (once; cached), builds, tests. `.ci/run` calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
dpkg -s libsecp256k1-dev >/dev/null 2>&1 || need+=(libsecp256k1-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need+=(python3)
[ -x /usr/bin/setsid ] || need+=(util-linux)
# The QEMU driver and its real-VM tests: the emulator, qemu-img, the seed ISO tool, ssh, the image builder.
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v genisoimage >/dev/null 2>&1 || need+=(genisoimage)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
# The payments tests' chain runs in a Python virtualenv.
dpkg -s python3-venv >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

# The guest image the QEMU tests boot, built from Debian's packages (about 1.5 min the first time).
export GOLEM_TEST_IMAGE_DIR=${GOLEM_TEST_IMAGE_DIR:-/var/cache/golem-provider/images}
bash scripts/build-guest-image.sh "$GOLEM_TEST_IMAGE_DIR"

# The devchain for the payments tests: eth-tester (py-evm) and vyper, pinned, in a virtualenv made once.
export GOLEM_TEST_DEVCHAIN_VENV=${GOLEM_TEST_DEVCHAIN_VENV:-/var/cache/golem-provider/devchain-venv}
bash scripts/devchain-setup.sh "$GOLEM_TEST_DEVCHAIN_VENV" >/dev/null

swift build
# The integration suites start whole nodes; one at a time keeps them honest on a 2-core machine.
swift test --no-parallel "$@"
