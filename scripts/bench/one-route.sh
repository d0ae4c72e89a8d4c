#!/usr/bin/env bash
# Writes DIR/one-route.yaml: a GatewayClass, a Gateway with one HTTP listener on LISTEN_PORT, a Service at
# 127.0.0.1:BACKEND_PORT and an HTTPRoute sending every request there. Used by candidate.sh and rss.sh.
# Usage: one-route.sh DIR LISTEN_PORT BACKEND_PORT
set -euo pipefail
dir=${1:?config directory}
listen_port=${2:?listen port}
backend_port=${3:?backend port}
cat > "$dir/one-route.yaml" <<YAML
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
