#!/usr/bin/env bash
# Starts the standalone gateway as a proxy-bench candidate: one HTTP listener on LISTEN_PORT (127.0.0.1) routing
# every request to the bench backend at 127.0.0.1:BACKEND_PORT. Usage: candidate.sh LISTEN_PORT BACKEND_PORT
set -euo pipefail
listen_port=${1:?listen port}
backend_port=${2:?backend port}
root="$(cd "$(dirname "$0")/../.." && pwd)"
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
cat > "$config/bench.yaml" <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: nantian}
spec: {controllerName: gateway.networking.k8s.io/nantian-gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: nantian
  listeners:
  - {name: http, protocol: HTTP, port: $listen_port}
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: default}
spec:
  clusterIP: 127.0.0.1
  ports: [{name: http, port: $backend_port}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: all, namespace: default}
spec:
  parentRefs: [{name: bench}]
  rules:
  - backendRefs: [{name: backend, port: $backend_port}]
YAML
# One event loop, as every proxy in the comparison gets one worker; the JVM sees the one pinned core.
exec java ${NANTIAN_BENCH_JAVA_OPTS:--Xms256m -Xmx256m} \
  -jar "$root/apps/nantian-gateway/target/nantian-gateway.jar" \
  --config-dir "$config" --admin-addr 127.0.0.1:0 --event-loops 1
