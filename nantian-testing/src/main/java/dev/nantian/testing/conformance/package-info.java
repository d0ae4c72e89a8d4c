/**
 * The Gateway API conformance runner: replays the upstream suite's vectors (format of the repository's
 * {@code conformance/vectors}) against a gateway it drives as a black box. Entry points:
 * {@link dev.nantian.testing.conformance.ConformanceMain} (the {@code nantian-conformance.jar} command line) and
 * {@link dev.nantian.testing.conformance.ConformanceRunner}.
 *
 * <h2>The gateway contract</h2>
 *
 * This is the whole interface between the runner and a gateway; the runner never links gateway classes.
 *
 * <ol>
 *   <li><b>Process.</b> The gateway is started once per run with {@code --config-dir DIR --admin-addr HOST:PORT
 *       --gateway-addresses 127.0.1.0/24} (default command
 *       {@value dev.nantian.testing.conformance.ConformanceRunner#DEFAULT_GATEWAY_COMMAND}) and stopped with SIGTERM
 *       at the end. It must come up within 90 s.
 *   <li><b>Configuration.</b> {@code DIR} holds Kubernetes YAML ({@code *.yaml}/{@code *.yml}, multi-document, any
 *       depth): the base manifests, the test's manifests, generated certificate Secrets/ConfigMaps and
 *       EndpointSlices (labelled {@code kubernetes.io/service-name}) for the echo pods, which listen on
 *       {@code 127.0.0.2} and up. The runner rewrites files between tests (each file replaced atomically by a
 *       rename from {@code NAME.tmp}; stale files deleted). The gateway hot-reloads the directory.
 *   <li><b>Revision.</b> The gateway reports, for the directory content it currently serves, the digest defined
 *       by {@link dev.nantian.testing.conformance.ConfigRevision} (lowercase hex SHA-256 over, per file in sorted
 *       relative-path order, the UTF-8 bytes of {@code relativePath + "\n" + content + "\n"}). It must report a
 *       revision only once the configuration and every status it reports correspond to exactly those files. A
 *       rejected (invalid) configuration still gets its revision reported, with the reasons in {@code errors}.
 *   <li><b>{@code GET http://ADMIN_ADDR/api/v1/status}</b> answers 200 with
 *       <pre>{@code
 * {"revision": "<64 hex>", "errors": ["..."],
 *  "resources": [{"apiVersion": "...", "kind": "Gateway", "namespace": "ns", "name": "n", "generation": 1,
 *                 "status": { ...the object's Kubernetes status... }}]}
 * }</pre>
 *       Cluster-scoped objects (GatewayClass) have namespace {@code ""}. Every Gateway reports its address in
 *       {@code status.addresses} ({@code {"type": "IPAddress", "value": "127.0.1.x"}}, one per Gateway from the
 *       {@code --gateway-addresses} pool) and listens on its listeners' real ports there: HTTP, HTTPS and TLS
 *       (passthrough or terminate) over TCP, UDP listeners over UDP; gRPC cases use h2c on the HTTP listener.
 *   <li><b>{@code GET http://ADMIN_ADDR/api/v1/features}</b> answers 200 with {@code {"features": ["Gateway",
 *       "HTTPRoute", ...]}}: the upstream feature names the gateway supports, declared in one place. Tests needing
 *       any other feature are skipped with that feature named, and so are the two upstream tests that only check a
 *       gateway without a feature it declares (their exempt features; see {@code VectorSet}).
 *   <li><b>Names.</b> The GatewayClass is {@code nantian}; its controller name
 *       {@code gateway.networking.k8s.io/nantian-gw} (the runner substitutes the upstream placeholders).
 * </ol>
 */
package dev.nantian.testing.conformance;
