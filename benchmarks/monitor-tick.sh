#!/usr/bin/env bash
# The payments monitor's tick over many bound streams on the devchain (eth-tester over py-evm): STREAMS streams
# (default 1000) are opened to the provider and bound, then per round one stream is topped up and three ways of
# keeping up are timed side by side: our monitor following the contract's logs (its normal tick), our monitor
# reading every stream (its periodic full read: 200 streams per eth_call), and the original's loop of one eth_call
# per stream. Medians of ROUNDS (default 5). Target: a tick over 1,000 streams under 2 s.
# Usage: [BUILD_CONFIG=release|debug] benchmarks/monitor-tick.sh [streams] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
config=${BUILD_CONFIG:-release}
bash scripts/devchain-setup.sh >/dev/null
flags=()
[ "$config" = release ] && flags=(-c release -Xswiftc -enable-testing)
GOLEM_BENCH_MONITOR_STREAMS=${1:-1000} GOLEM_BENCH_ROUNDS=${2:-5} \
  swift test "${flags[@]}" --filter MonitorTickBenchmark 2>&1 | grep -E -A5 "monitor tick over|read [0-9]+ streams|error|failed"
