#!/usr/bin/env bash
# GET /api/v1/vms with 10 VMs, measured with wrk on loopback against a release build of the whole node
# (five processes, stand-in multipass). Prints requests/s and p99; target: >= 2,600 req/s and p99 < 5 ms.
# Usage: [BUILD_CONFIG=debug] benchmarks/list-vms.sh [duration-seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-16}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
config=${BUILD_CONFIG:-release}   # BUILD_CONFIG=debug measures the debug build
swift build -c "$config" >/dev/null
bin=$(swift build -c "$config" --show-bin-path)

root=$(mktemp -d /tmp/gp-bench-XXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export GOLEM_PROVIDER_DATA_DIR=$root/data GOLEM_PROVIDER_HOST=127.0.0.1 GOLEM_PROVIDER_PORT=$port \
  GOLEM_PROVIDER_SSH_PROXY_HOST=127.0.0.1 GOLEM_PROVIDER_PORT_RANGE_START=47800 GOLEM_PROVIDER_PORT_RANGE_END=47820 \
  GOLEM_PROVIDER_PORT_CHECKER_PORT=$((port + 1)) GOLEM_PROVIDER_MULTIPASS_BINARY_PATH=$PWD/Tests/Fixtures/fake-multipass \
  GOLEM_PROVIDER_CREATE_VM_RETRY_DELAY_SECONDS=0.1 GOLEM_PROVIDER_VM_STATE_REFRESH_SECONDS=0 GOLEM_PROVIDER_LOG_LEVEL=warning \
  FAKE_MULTIPASS_STATE=$root/multipass.json
"$bin/golem-provider" start > "$root/node.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null; rm -rf "$root"' EXIT
key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOZhrWgasBnnn/6GtvIsKf6DexGF+R26S6vUy/V5Zw3h bench"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
for i in $(seq 1 10); do
  curl -sf -XPOST "http://127.0.0.1:$port/api/v1/vms?async=true" \
    -d "{\"name\":\"bench-$i\",\"resources\":{\"cpu\":1,\"memory\":1,\"storage\":10},\"ssh_key\":\"$key\"}" >/dev/null
done
for _ in $(seq 200); do
  running=$(curl -sf "http://127.0.0.1:$port/api/v1/vms" | grep -o '"status":"running"' | wc -l)
  [ "$running" -eq 10 ] && break; sleep 0.2
done
echo "VMs running: $running"
wrk -t2 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$port/api/v1/vms" | tee "$root/wrk.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$root/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$root/wrk.txt")
echo "RESULT list-vms: vms=10 connections=$connections requests_per_second=$rps p99=$p99 (targets: >= 2600 req/s, p99 < 5ms)"
