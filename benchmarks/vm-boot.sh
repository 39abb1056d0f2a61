#!/usr/bin/env bash
# Real VMs with the QEMU driver: the time to build the offline guest image once (into a scratch cache), then
# create-to-SSH-ready for 2 cores / 1 GB / 10 GB VMs with the cached image (POST /api/v1/vms?async=true until
# `ssh ubuntu@` through golem-proxy runs a command), and stop-to-start-to-SSH. Medians of ROUNDS (default 3),
# each round a new VM. Prints the accelerator the node chose. Targets: create-to-SSH < 30 s under TCG, < 5 s under KVM.
# Usage: [BUILD_CONFIG=debug] [SKIP_IMAGE_BUILD=1] benchmarks/vm-boot.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
config=${BUILD_CONFIG:-release}
swift build -c "$config" >/dev/null
bin=$(swift build -c "$config" --show-bin-path)
root=$(mktemp -d /tmp/gp-boot-XXXX)
now() { date +%s.%N; }
elapsed() { python3 -c "print(round($2 - $1, 1))"; }
median() { python3 -c "import statistics,sys; print(round(statistics.median(map(float, sys.argv[1:])), 1))" "$@"; }

images=${GOLEM_TEST_IMAGE_DIR:-/var/cache/golem-provider/images}
if [ -z "${SKIP_IMAGE_BUILD:-}" ]; then
  start=$(now)
  bash scripts/build-guest-image.sh "$root/images" >/dev/null
  image_build=$(elapsed "$start" "$(now)")
  images=$root/images
else
  bash scripts/build-guest-image.sh "$images" >/dev/null
  image_build=skipped
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export GOLEM_PROVIDER_DATA_DIR=$root/data GOLEM_PROVIDER_HOST=127.0.0.1 GOLEM_PROVIDER_PORT=$port \
  GOLEM_PROVIDER_SSH_PROXY_HOST=127.0.0.1 GOLEM_PROVIDER_PORT_RANGE_START=47900 GOLEM_PROVIDER_PORT_RANGE_END=47920 \
  GOLEM_PROVIDER_PORT_CHECKER_PORT=$((port + 1)) GOLEM_PROVIDER_VM_DRIVER=qemu GOLEM_PROVIDER_IMAGE_DIR=$images \
  GOLEM_PROVIDER_CPU_THRESHOLD=100 GOLEM_PROVIDER_BLOCK_VM_OUTBOUND=true GOLEM_PROVIDER_SKIP_PORT_VERIFICATION=true GOLEM_PROVIDER_PORT_CHECK_SERVERS=http://127.0.0.1:9 \
  GOLEM_PROVIDER_CREATE_VM_MAX_RETRIES=600 GOLEM_PROVIDER_CREATE_VM_RETRY_DELAY_SECONDS=0.5 GOLEM_PROVIDER_LOG_LEVEL=warning
"$bin/golem-provider" start > "$root/node.log" 2>&1 &
node=$!
trap 'for f in "$root"/data/vm/instances/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; kill $node 2>/dev/null; wait $node 2>/dev/null; rm -rf "$root"' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
ssh-keygen -q -t ed25519 -N '' -f "$root/key"
key=$(cat "$root/key.pub")
ssh_ok() { ssh -i "$root/key" -p "$1" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
  -o ConnectTimeout=5 -o LogLevel=ERROR ubuntu@127.0.0.1 true 2>/dev/null; }
wait_ssh() {  # polls status as the requestor CLI does, then SSH through the proxy
  local vm=$1 ssh_port=""
  for _ in $(seq 2400); do
    ssh_port=$(curl -sf "http://127.0.0.1:$port/api/v1/vms/$vm" | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["ssh_port"] if d.get("status")=="running" else "")' 2>/dev/null || true)
    [ -n "$ssh_port" ] && ssh_ok "$ssh_port" && return 0
    sleep 0.25
  done
  echo "VM $vm never answered SSH" >&2; exit 1
}
creates=(); restarts=()
for round in $(seq 1 "$rounds"); do
  vm=boot-$round
  start=$(now)
  curl -sf -XPOST "http://127.0.0.1:$port/api/v1/vms?async=true" \
    -d "{\"name\":\"$vm\",\"image\":\"debian-12\",\"resources\":{\"cpu\":2,\"memory\":1,\"storage\":10},\"ssh_key\":\"$key\"}" >/dev/null
  wait_ssh "$vm"
  creates+=("$(elapsed "$start" "$(now)")")
  curl -sf -XPOST "http://127.0.0.1:$port/api/v1/vms/$vm/stop" >/dev/null
  start=$(now)
  curl -sf -XPOST "http://127.0.0.1:$port/api/v1/vms/$vm/start" >/dev/null
  wait_ssh "$vm"
  restarts+=("$(elapsed "$start" "$(now)")")
  curl -sf -XDELETE "http://127.0.0.1:$port/api/v1/vms/$vm" >/dev/null
  echo "round $round: create-to-ssh ${creates[-1]} s, start-to-ssh ${restarts[-1]} s"
done
# status exits 1 or 2 when it finds issues (no public port checker here); the JSON is what matters.
accelerator=$( ("$bin/golem-provider" status --json 2>/dev/null || true) | python3 -c 'import sys,json; print(json.load(sys.stdin)["vm_driver"]["accelerator"])' 2>/dev/null || echo unknown)
echo "RESULT vm-boot: accelerator=$accelerator image_build_s=$image_build create_to_ssh_median_s=$(median "${creates[@]}") start_to_ssh_median_s=$(median "${restarts[@]}") rounds=$rounds (targets: TCG < 30 s, KVM < 5 s)"
