#!/usr/bin/env bash
# Starts the standalone gateway as a proxy-bench candidate: one HTTP listener on LISTEN_PORT (127.0.0.1) routing
# every request to the bench backend at 127.0.0.1:BACKEND_PORT. Usage: candidate.sh LISTEN_PORT BACKEND_PORT
# NANTIAN_BENCH_JAR runs another gateway jar (A/B runs of two builds); NANTIAN_BENCH_JAVA_OPTS replaces the JVM flags;
# NANTIAN_BENCH_ARGS adds gateway flags (e.g. --io-uring).
set -euo pipefail
listen_port=${1:?listen port}
backend_port=${2:?backend port}
root="$(cd "$(dirname "$0")/../.." && pwd)"
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
bash "$root/scripts/bench/one-route.sh" "$config" "$listen_port" "$backend_port"
# No access log (the reference proxies run with access_log off). One event loop, as every proxy in the comparison
# gets one worker; the JVM sees the one pinned core.
# Serial GC (what a 1-CPU JVM picks anyway; said explicitly so an unpinned run measures the same) with a large young
# generation: the proxy allocates several KB per request and keeps almost nothing, so a young pause costs ~3 ms
# whatever the eden size, and a ~300 MB eden has one every ~2 s at full load instead of ~4 per second with 256m.
exec java ${NANTIAN_BENCH_JAVA_OPTS:--XX:+UseSerialGC -Xms512m -Xmx512m -Xmn384m} \
  -jar "${NANTIAN_BENCH_JAR:-$root/apps/nantian-gateway/target/nantian-gateway.jar}" \
  --config-dir "$config" --admin-addr 127.0.0.1:0 --event-loops 1 --access-log off ${NANTIAN_BENCH_ARGS:-}
