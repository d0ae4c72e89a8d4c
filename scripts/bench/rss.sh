#!/usr/bin/env bash
# Measures the standalone gateway's resident memory: idle after start (one route, one backend), then holding
# COUNT idle keep-alive client connections that each got one proxied response. Prints VmRSS and VmHWM in MiB.
# Usage: scripts/bench/rss.sh [COUNT=10000]   (build first: mvn -B -q package -DskipTests -pl apps/nantian-gateway -am)
# JVM flags for the gateway come from NANTIAN_JAVA_OPTS (default: none, as the README runs it).
set -euo pipefail
count=${1:-10000}
root="$(cd "$(dirname "$0")/../.." && pwd)"
jar="$root/apps/nantian-gateway/target/nantian-gateway.jar"
[ -f "$jar" ] || { echo "build the gateway first: $jar is missing" >&2; exit 2; }
ulimit -n $((count + 1024)) 2>/dev/null || { echo "need ulimit -n >= $((count + 1024))" >&2; exit 2; }
listen_port=${LISTEN_PORT:-18480}
backend_port=${BACKEND_PORT:-18481}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

helper="$root/scripts/bench/IdleConnections.java"
java "$helper" backend "$backend_port" & pids+=($!)
mkdir -p "$work/config"
bash "$root/scripts/bench/one-route.sh" "$work/config" "$listen_port" "$backend_port"
# shellcheck disable=SC2086
java ${NANTIAN_JAVA_OPTS:-} -jar "$jar" --config-dir "$work/config" --admin-addr 127.0.0.1:0 \
  > "$work/gateway.log" 2>&1 & gw=$!
pids+=($gw)
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$listen_port/" && break
  sleep 0.2
done
curl -fs -o /dev/null "http://127.0.0.1:$listen_port/" || { cat "$work/gateway.log" >&2; echo "gateway did not serve" >&2; exit 1; }
rss() { awk -v k="$1" '$1 == k":" {printf "%.1f", $2 / 1024}' "/proc/$gw/status"; }
sleep 10
idle=$(rss VmRSS)
java "$helper" clients 127.0.0.1 "$listen_port" "$count" 3600 > "$work/clients.out" & pids+=($!)
for _ in $(seq 1 300); do grep -q ready "$work/clients.out" 2>/dev/null && break; sleep 0.5; done
grep ready "$work/clients.out" || { echo "clients did not finish" >&2; exit 1; }
sleep 3
conns=$(ls "/proc/$gw/fd" | wc -l)
held=$(rss VmRSS)
peak=$(rss VmHWM)
echo "gateway idle RSS: ${idle} MiB"
echo "with $count idle keep-alive connections: RSS ${held} MiB (peak ${peak} MiB, $conns open fds in the gateway)"
awk -v a="$idle" -v b="$held" -v n="$count" 'BEGIN {printf "per connection: %.1f KiB\n", (b - a) * 1024 / n}'
