#!/usr/bin/env bash
# The whole test suite on a fresh machine with a JDK and Maven: system test dependencies, then every module's
# unit and integration tests, formatter check and Netty leak check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
exec mvn -B verify "$@"
