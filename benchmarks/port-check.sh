#!/usr/bin/env bash
# golem-port-check on loopback: one request for 100 ports, half of them listening and half closed, repeated;
# prints the median and worst time per request. Target: under 1 s per request.
# Usage: [BUILD_CONFIG=debug] benchmarks/port-check.sh [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20}
config=${BUILD_CONFIG:-release}
swift build -c "$config" --product golem-port-check >/dev/null
bin=$(swift build -c "$config" --show-bin-path)
root=$(mktemp -d /tmp/gp-pc-bench-XXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
GOLEM_PROVIDER_DATA_DIR=$root GOLEM_PROVIDER_PORT_CHECKER_HOST=127.0.0.1 GOLEM_PROVIDER_PORT_CHECKER_PORT=$port \
  GOLEM_PROVIDER_PORT_CHECKER_ALLOW_PRIVATE_TARGETS=true GOLEM_PROVIDER_PORT_CHECKER_RATE_LIMIT_PER_MINUTE=0 \
  GOLEM_PROVIDER_LOG_LEVEL=warning "$bin/golem-port-check" > "$root/checker.log" 2>&1 &
checker=$!
trap 'kill $checker 2>/dev/null; rm -rf "$root"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
python3 - "$port" "$requests" <<'PY'
import json, socket, statistics, sys, threading, time, urllib.request
checker, requests = int(sys.argv[1]), int(sys.argv[2])
listeners = []
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(128); listeners.append(s)
def serve(s):
    while True:
        c, _ = s.accept(); c.close()
for s in listeners: threading.Thread(target=serve, args=(s,), daemon=True).start()
closed = []
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); closed.append(s.getsockname()[1]); s.close()
ports = [s.getsockname()[1] for s in listeners] + closed
body = json.dumps({"provider_ip": "127.0.0.1", "ports": ports}).encode()
times = []
for _ in range(requests):
    started = time.perf_counter()
    request = urllib.request.Request(f"http://127.0.0.1:{checker}/check-ports", data=body, headers={"Content-Type": "application/json"})
    answer = json.load(urllib.request.urlopen(request))
    times.append(time.perf_counter() - started)
    assert answer["message"] == "Successfully verified 50 out of 100 ports", answer["message"]
print(f"RESULT port-check: 100 ports (50 open, 50 closed) per request, {requests} requests: "
      f"median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms (target < 1000 ms)")
PY
