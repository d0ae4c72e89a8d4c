#!/usr/bin/env bash
# Added latency of the AI path: the packaged standalone gateway in front of the fake OpenAI and Anthropic providers
# (nantian-testing) vs calling the fakes directly, N sequential non-stream chat completions per side with one JDK
# HttpClient after a warm-up. Prints p50/p90/p99/max per scenario (plain proxy, OpenAI pass-through, Anthropic
# conversion, OpenAI with PII masking and a TokenPolicy) and the differences. Not a test: run it on a quiet machine.
# Usage: scripts/bench/ai-latency.sh [REQUESTS=5000] [WARMUP=3000]
# Build first: mvn -B -q install -DskipTests && mvn -B -q -pl apps/nantian-gateway test-compile package -DskipTests
# JVM flags for the gateway come from NANTIAN_JAVA_OPTS (default: none, as the README runs it).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
module="$root/apps/nantian-gateway"
jar="$module/target/nantian-gateway.jar"
[ -f "$jar" ] || { echo "build the gateway first: $jar is missing" >&2; exit 2; }
[ -f "$module/target/test-classes/dev/nantian/gateway/AiLatencyBench.class" ] \
  || { echo "compile the gateway's tests first (mvn -pl apps/nantian-gateway test-compile)" >&2; exit 2; }
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
(cd "$root" && mvn -B -q -o -pl apps/nantian-gateway dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file" >/dev/null)
cd "$root"
# The fakes run on the JDK's HTTP server: without nodelay, Nagle's algorithm would add delayed-ACK stalls to both sides.
exec java -Dsun.net.httpserver.nodelay=true -cp "$module/target/test-classes:$(cat "$cp_file")" \
  dev.nantian.gateway.AiLatencyBench "${1:-5000}" "${2:-3000}" "$jar"
