/**
 * The filter SPI: how route filters, the AI layer and proxy-wasm plugins act on HTTP traffic without transport types.
 *
 * <p>Shapes: a {@link dev.nantian.core.filter.HttpFilterFactory} (registered in a
 * {@link dev.nantian.core.filter.FilterRegistry}) parses a route's configuration once per snapshot; a
 * {@link dev.nantian.core.filter.FilterChain} holds a route's configured filters; per request the host starts a
 * {@link dev.nantian.core.filter.FilterExchange}, which creates one {@link dev.nantian.core.filter.HttpFilter} per
 * configured filter, drives their callbacks (request in chain order, response in reverse) and sends what passes to
 * the {@link dev.nantian.core.filter.ExchangeHost}. Each callback returns a
 * {@link dev.nantian.core.filter.FilterAction}: proceed, replace a body chunk, buffer the body, await a
 * {@link java.util.concurrent.CompletionStage}, reply locally, or retry the upstream with a new request.
 *
 * <p>Threading: everything runs on the exchange's event loop; async work comes back through a
 * {@code CompletionStage} that the host hops onto the loop. Body chunks are read-only
 * {@link java.nio.ByteBuffer} views valid only during a callback; streaming is the default.
 *
 * <p>The AI layer maps onto it as: buffer the request body, replace it with the provider's format, rewrite path,
 * authority and headers, choose the provider's cluster with
 * {@link dev.nantian.core.filter.HttpFilterContext#selectUpstream(String)}; convert the SSE response chunk by chunk
 * with {@link dev.nantian.core.filter.FilterAction#proceedWith}, carrying partial events over; read token usage in
 * {@link dev.nantian.core.filter.HttpFilter#onComplete}. A proxy-wasm plugin maps as:
 * {@code on_http_request_headers/body} and {@code on_http_response_headers/body} are the callbacks, {@code Continue}
 * is {@code proceed()}, {@code StopIteration(AndBuffer)} is {@code bufferBody()}, and a paused stream (guest code on
 * the Wasm executor, {@code proxy_http_call}) is an {@code await} whose stage completes on
 * {@code proxy_continue_stream} or a local response. {@link dev.nantian.core.filter.HttpFilter} spells both out.
 *
 * <p>{@link dev.nantian.core.filter.testing} runs chains in memory for tests.
 */
package dev.nantian.core.filter;
