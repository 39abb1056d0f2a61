#!/usr/bin/env bash
# ProxyService on loopback, one run, side by side:
#  1. throughput of one TCP stream (iperf3, forward and reverse) direct to the "VM", through golem-proxy, and
#     through socat doing the same forwarding; medians of several alternating rounds;
#  2. golem-proxy's resident memory holding 1,000 concurrent idle connections.
# Targets: proxy >= 90 % of direct and >= socat; 1,000 idle connections with golem-proxy under 50 MB RSS.
# With PIN=1 (the default on hosts with 2+ cores) both iperf3 ends run on CPU 0 and the forwarders (golem-proxy,
# socat) on CPU 1, so each path gets the same CPU for the endpoints and the forwarder does not steal it: that
# models a real host, where the requestor is remote and the VM's sshd runs on the VM's own vCPUs. PIN=0 lets
# the scheduler mix all three on the same cores (then a 2-core machine mostly measures CPU contention).
# PROXY_ENGINE=glue measures the portable SwiftNIO engine instead of splice.
# Usage: [BUILD_CONFIG=debug] [PIN=0|1] [PROXY_ENGINE=splice|glue] benchmarks/proxy-throughput.sh [rounds] [seconds-per-run] [idle-connections]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-3}
idle=${3:-1000}
need=()
command -v iperf3 >/dev/null || need+=(iperf3)
command -v socat >/dev/null || need+=(socat)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
config=${BUILD_CONFIG:-release}
swift build -c "$config" >/dev/null
bin=$(swift build -c "$config" --show-bin-path)
ulimit -n 20000 2>/dev/null || true
pin=${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
endpoints=(); forwarders=()
if [ "$pin" = 1 ]; then endpoints=(taskset -c 0); forwarders=(taskset -c 1); fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
root=$(mktemp -d /tmp/gp-proxy-bench-XXXX)
api=$(free_port); target=$(free_port); socat_port=$(free_port)
range_start=$(python3 -c 'import random; print(random.randrange(46000, 46900, 10))')
export GOLEM_PROVIDER_DATA_DIR=$root/data GOLEM_PROVIDER_HOST=127.0.0.1 GOLEM_PROVIDER_PORT=$api \
  GOLEM_PROVIDER_SSH_PROXY_HOST=127.0.0.1 GOLEM_PROVIDER_PORT_RANGE_START=$range_start \
  GOLEM_PROVIDER_PORT_RANGE_END=$((range_start + 10)) GOLEM_PROVIDER_PORT_CHECKER_PORT=$(free_port) \
  GOLEM_PROVIDER_MULTIPASS_BINARY_PATH=$PWD/Tests/Fixtures/fake-multipass GOLEM_PROVIDER_GUEST_SSH_PORT=$target \
  GOLEM_PROVIDER_CREATE_VM_RETRY_DELAY_SECONDS=0.1 GOLEM_PROVIDER_VM_STATE_REFRESH_SECONDS=0 \
  GOLEM_PROVIDER_LOG_LEVEL=warning GOLEM_PROVIDER_PROXY_MAX_CONNECTIONS_PER_VM=$((idle + 100)) \
  GOLEM_PROVIDER_PROXY_MAX_CONNECTIONS=$((idle + 100)) GOLEM_PROVIDER_PROXY_ENGINE=${PROXY_ENGINE:-auto} \
  FAKE_MULTIPASS_STATE=$root/multipass.json
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$root"; }
trap cleanup EXIT

"${forwarders[@]}" "$bin/golem-provider" start > "$root/node.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$api/health" >/dev/null && break; sleep 0.2; done
"${endpoints[@]}" iperf3 -s -B 127.0.0.1 -p "$target" > /dev/null 2>&1 & pids+=($!)
"${forwarders[@]}" socat "TCP-LISTEN:$socat_port,bind=127.0.0.1,fork,reuseaddr" "TCP:127.0.0.1:$target" & pids+=($!)
key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOZhrWgasBnnn/6GtvIsKf6DexGF+R26S6vUy/V5Zw3h bench"
curl -sf -XPOST "http://127.0.0.1:$api/api/v1/vms" \
  -d "{\"name\":\"bench\",\"resources\":{\"cpu\":1,\"memory\":1,\"storage\":10},\"ssh_key\":\"$key\"}" > "$root/vm.json"
proxy_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ssh_port"])' "$root/vm.json")
proxy_pid=$(cat "$root/data/run/golem-proxy.pid")
echo "build=$config engine=${PROXY_ENGINE:-auto} pinned=$pin VM ssh_port=$proxy_port (golem-proxy pid $proxy_pid), iperf3 on $target, socat on $socat_port"

# One iperf3 run; prints Gbit/s received.
measure() {
  local port=$1 reverse=$2
  "${endpoints[@]}" iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" $reverse -J 2>/dev/null \
    | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}
median() { python3 -c 'import statistics,sys; print("%.2f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

for direction in forward reverse; do
  flag=""; [ "$direction" = reverse ] && flag="-R"
  direct=(); proxy=(); socat_runs=()
  for round in $(seq "$rounds"); do
    # Rotate the order every round so that no path always runs first (or last) on a warm cache.
    case $((round % 3)) in
      0) order="direct proxy socat";; 1) order="proxy socat direct";; 2) order="socat direct proxy";;
    esac
    for path in $order; do
      case $path in
        direct) direct+=("$(measure "$target" "$flag")");;
        proxy) proxy+=("$(measure "$proxy_port" "$flag")");;
        socat) socat_runs+=("$(measure "$socat_port" "$flag")");;
      esac
    done
  done
  d=$(median "${direct[@]}"); p=$(median "${proxy[@]}"); s=$(median "${socat_runs[@]}")
  echo "runs $direction (Gbit/s): direct ${direct[*]} | proxy ${proxy[*]} | socat ${socat_runs[*]}"
  python3 - "$direction" "$d" "$p" "$s" <<'PY'
import sys
direction, d, p, s = sys.argv[1], *map(float, sys.argv[2:])
print(f"RESULT proxy-throughput {direction}: direct={d:.2f} proxy={p:.2f} socat={s:.2f} Gbit/s (medians); "
      f"proxy/direct={p / d:.2f} (target >= 0.90), proxy/socat={p / s:.2f} (target >= 1.00)")
PY
done

# Idle connections: a "VM" that accepts and holds, then $idle clients through the proxy that send nothing.
kill "${pids[1]}" 2>/dev/null; wait "${pids[1]}" 2>/dev/null || true
python3 - "$target" <<'PY' & pids+=($!)
import asyncio, sys
async def hold(reader, writer):
    await reader.read()
    writer.close()
async def main():
    server = await asyncio.start_server(hold, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    async with server: await server.serve_forever()
asyncio.run(main())
PY
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $target)).close()" 2>/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
sleep 1
before=$(rss "$proxy_pid")
python3 - "$proxy_port" "$idle" "$root/clients.ready" <<'PY' & pids+=($!)
import socket, sys, time, os
port, count, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
open(ready, "w").close()
time.sleep(3600)
PY
for _ in $(seq 300); do [ -f "$root/clients.ready" ] && break; sleep 0.1; done
open=0
for _ in $(seq 100); do
  open=$("$bin/golem-provider" proxy stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["host"]["connections_open"])')
  [ "$open" -ge "$idle" ] && break; sleep 0.1
done
sleep 1
after=$(rss "$proxy_pid")
python3 - "$idle" "$open" "$before" "$after" <<'PY'
import sys
idle, open_, before, after = map(int, sys.argv[1:])
print(f"RESULT proxy-idle: {open_} of {idle} connections open through golem-proxy; RSS {after / 1024:.1f} MB "
      f"(idle process {before / 1024:.1f} MB, {(after - before) / max(open_, 1):.1f} KB per connection; target < 50 MB)")
PY
