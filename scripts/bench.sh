#!/usr/bin/env bash
# Builds the standalone gateway and runs ../shared/bench/proxy-bench with it as the candidate, against nginx and
# haproxy, in HTTP/1.1 and h2c modes. Extra arguments go to proxy-bench (e.g. --rounds 5).
# Usage: scripts/bench.sh [--bench DIR] [proxy-bench args...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bench="$root/../shared/bench/proxy-bench"
if [ "${1:-}" = "--bench" ]; then bench="$2"; shift 2; fi
[ -x "$bench" ] || { echo "proxy-bench not found at $bench (pass --bench PATH)" >&2; exit 2; }
(cd "$root" && mvn -B -q package -DskipTests -pl apps/nantian-gateway -am)
cmd="bash $root/scripts/bench/candidate.sh {LISTEN_PORT} {BACKEND_PORT}"
"$bench" --candidate-cmd "$cmd" --candidate-name nantian "$@"
"$bench" --mode h2 --candidate-h2 --candidate-cmd "$cmd" --candidate-name nantian "$@"
