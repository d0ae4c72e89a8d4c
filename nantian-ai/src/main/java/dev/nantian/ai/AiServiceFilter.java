package dev.nantian.ai;

import dev.nantian.ai.config.PiiMode;
import dev.nantian.ai.config.ProviderConfig;
import dev.nantian.ai.config.ProviderType;
import dev.nantian.ai.internal.Json;
import dev.nantian.ai.internal.StreamRedactor;
import dev.nantian.ai.pii.PiiRedactor;
import dev.nantian.ai.pii.PiiType;
import dev.nantian.ai.provider.AnthropicCodec;
import dev.nantian.ai.provider.ConversionException;
import dev.nantian.ai.provider.ProviderCodec;
import dev.nantian.ai.provider.StreamConverter;
import dev.nantian.ai.provider.StreamSettings;
import dev.nantian.ai.tokens.TokenUsage;
import dev.nantian.core.NantianException;
import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterAction;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterContext;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import dev.nantian.core.filter.LocalReply;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The AIService filter of one exchange: serves {@code GET /v1/models} locally; for {@code POST /v1/chat/completions}
 * and {@code POST /v1/embeddings} buffers the request, plans the providers to try (the first that serves the model,
 * then the {@code fallback} providers that serve it too), redacts PII, converts the body, rewrites path and
 * authority, injects the API key through {@link HttpFilterContext#upstreamRequestHeaders()} (so neither later filters
 * nor logs see it), selects the provider's cluster and bounds the wait for its response head by its {@code timeout}.
 *
 * <p>Fallback: when an attempt answers 429 or 5xx, fails (connect failure, reset) or times out, and no byte went to
 * the client yet, {@code onResponseHead} returns {@link FilterAction#retry} with the original request converted for
 * the next provider in the plan; a provider the request cannot be converted for is skipped. Streams fall back the
 * same way: the response head decides, so once a stream started it is the answer. The last attempt's error reaches
 * the client as OpenAI error JSON.
 *
 * <p>Converts the response of the attempt that answered (buffered, or streamed chunk by chunk, with streaming-safe
 * PII redaction when {@code pii.response} is on), records token usage ({@link AiAttributes#TOKEN_USAGE}), log fields
 * ({@code ai.model}, {@code ai.provider}, {@code ai.tokens.input}, {@code ai.tokens.output}, {@code
 * ai.tokens.estimated}, {@code ai.fallback.attempts}: the number of fallbacks taken) and metrics. All callbacks run
 * on the exchange's event loop.
 */
final class AiServiceFilter implements HttpFilter {
    private static final Logger logger = LoggerFactory.getLogger(AiServiceFilter.class);

    /** Headers a client may send that must not reach a provider: its credentials for the gateway, and encodings. */
    private static final String[] STRIPPED_REQUEST_HEADERS = {
        "authorization", "x-api-key", "api-key", "anthropic-version", "cookie", "accept-encoding", "content-length"
    };

    /** What this filter puts in {@link HttpFilterContext#upstreamRequestHeaders()}, replaced per attempt. */
    private static final String[] CREDENTIAL_HEADERS = {"authorization", "x-api-key", "anthropic-version"};

    /** Generated text kept for a fallback estimate; beyond this, characters count as a quarter token each. */
    private static final int MAX_ESTIMATE_CHARS = 256 * 1024;
    /**
     * The most of a request body this filter collects (413 beyond): prompts with images or long documents easily
     * exceed a proxy's usual buffer limit (1 MiB), and providers accept tens of MiB (OpenAI: 20 MiB of images).
     */
    static final int MAX_REQUEST_BYTES = 32 << 20;

    private static final String CHAT = "chat";
    private static final String EMBEDDINGS = "embeddings";

    private final AiService service;
    private final AiGateway gateway;

    private String operation;
    private ObjectNode request;
    private String model;
    private boolean stream;
    private boolean clientWantsUsage;
    private boolean base64;
    /** The providers to try, in order; {@link #planIndex} is the current one. */
    private List<ProviderConfig> plan;

    private int planIndex = -1;
    private int fallbacks;
    /** The client's headers minus its credentials: the base of every attempt's head. */
    private HttpHeaders clientHeaders;

    private ProviderConfig provider;
    private ProviderCodec codec;
    private long startNanos;
    private long attemptStartNanos;

    // The response of the attempt that answered.
    private int providerStatus;
    private boolean errorResponse;
    private Throwable upstreamFailure;
    private StreamConverter converter;
    private StreamRedactor streamRedactor;
    private StringBuilder outputText;
    private long outputOverflowChars;
    private long firstTokenNanos = -1;
    private TokenUsage usage;
    private String responseModel;

    AiServiceFilter(AiService service, AiGateway gateway) {
        this.service = service;
        this.gateway = gateway;
    }

    @Override
    public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
        startNanos = gateway.nanoTime();
        String path = head.path();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if ("/v1/models".equals(path)) {
            if (!"GET".equals(head.method())) {
                return error(405, "method " + head.method() + " is not allowed on /v1/models", "invalid_request_error");
            }
            HttpHeaders headers = HttpHeaders.of("content-type", "application/json");
            return new LocalReply(200, headers, service.modelsJson());
        }
        if ("/v1/chat/completions".equals(path) || "/v1/embeddings".equals(path)) {
            if (!"POST".equals(head.method())) {
                return error(405, "use POST for " + path, "invalid_request_error");
            }
            operation = path.endsWith("/embeddings") ? EMBEDDINGS : CHAT;
            return FilterAction.bufferBody(MAX_REQUEST_BYTES);
        }
        return error(404, "unknown endpoint " + head.method() + " " + path, "invalid_request_error");
    }

    @Override
    public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
        if (plan != null || operation == null || !last) {
            return FilterAction.proceed();
        }
        JsonNode parsed = Json.parse(BodyBuffers.toByteArray(chunk));
        if (parsed == null || !parsed.isObject()) {
            return error(400, "the request body must be a JSON object", "invalid_request_error");
        }
        request = (ObjectNode) parsed;
        model = Json.text(request.path("model"));
        if (model == null || model.isEmpty()) {
            return error(400, "you must provide a model parameter", "invalid_request_error");
        }
        boolean embeddings = EMBEDDINGS.equals(operation);
        if (embeddings) {
            JsonNode input = request.path("input");
            if (!(input.isString() || (input.isArray() && !input.isEmpty()))) {
                return error(400, "input must be a string or a non-empty array", "invalid_request_error");
            }
        } else if (!request.path("messages").isArray()
                || request.path("messages").isEmpty()) {
            return error(400, "messages must be a non-empty array", "invalid_request_error");
        }
        List<ProviderConfig> candidates = plan(model);
        if (candidates.isEmpty()) {
            return new LocalReply(
                    404,
                    HttpHeaders.of("content-type", "application/json"),
                    Json.buffer(Json.openAiError(
                            "The model '" + model + "' does not exist or you do not have access to it.",
                            "invalid_request_error",
                            "model_not_found")));
        }
        if (embeddings) {
            ProviderConfig first = candidates.get(0);
            candidates.removeIf(p -> !p.hasEmbeddings());
            if (candidates.isEmpty()) {
                return new LocalReply(
                        400,
                        HttpHeaders.of("content-type", "application/json"),
                        Json.buffer(Json.openAiError(
                                "The model '" + model + "' is served by provider " + first.name() + " ("
                                        + first.type().configName() + "), which has no embeddings API.",
                                "invalid_request_error",
                                "embeddings_not_supported")));
            }
        }
        PiiRedactor redactor = service.requestRedactor();
        if (redactor != null) {
            PiiType found = embeddings ? redactor.redactEmbeddingsRequest(request) : redactor.redactRequest(request);
            if (found != null && redactor.mode() == PiiMode.BLOCK) {
                return new LocalReply(
                        400,
                        HttpHeaders.of("content-type", "application/json"),
                        Json.buffer(Json.openAiError(
                                "the request was blocked: it contains " + found.configName() + " data",
                                "invalid_request_error",
                                "pii_detected")));
            }
        }
        ObjectNode upstreamBody;
        ProviderConfig first = candidates.get(0);
        try {
            upstreamBody = convert(first);
        } catch (ConversionException e) {
            return error(400, e.getMessage(), "invalid_request_error"); // the client's request, not a provider fault
        }
        plan = candidates;
        planIndex = 0;
        stream = !embeddings && request.path("stream").asBoolean(false);
        clientWantsUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        base64 = embeddings && "base64".equals(Json.text(request.path("encoding_format")));

        HttpRequestHead head = ctx.request();
        for (String name : STRIPPED_REQUEST_HEADERS) {
            head.headers().remove(name);
        }
        clientHeaders = HttpHeaders.copyOf(head.headers());
        prepare(head, first);
        ctx.setAttr(AiAttributes.MODEL, model);
        ctx.setLogField("ai.model", model);
        startAttempt(ctx, first);
        ctx.selectUpstream(first.cluster());
        return FilterAction.proceedWith(Json.buffer(upstreamBody));
    }

    /** The providers to try for {@code model}: the first that serves it, then the fallbacks that serve it. */
    private List<ProviderConfig> plan(String model) {
        List<ProviderConfig> out = new ArrayList<>(4);
        service.config().providerFor(model).ifPresent(out::add);
        if (out.isEmpty()) {
            return out;
        }
        for (String name : service.config().fallback()) {
            for (ProviderConfig p : service.config().providers()) {
                if (p.name().equals(name) && p.serves(model) && !out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private ObjectNode convert(ProviderConfig p) {
        ProviderCodec c = service.codec(p);
        return EMBEDDINGS.equals(operation)
                ? c.toProviderEmbeddingsRequest(request, p.upstreamModel(model))
                : c.toProviderRequest(request, p.upstreamModel(model));
    }

    /** Points {@code head} at {@code p}: path, authority and the content headers of the operation. */
    private void prepare(HttpRequestHead head, ProviderConfig p) {
        head.setMethod("POST");
        head.setPath(EMBEDDINGS.equals(operation) ? p.embeddingsPath() : p.chatPath());
        head.setAuthority(p.authority());
        HttpHeaders headers = head.headers();
        headers.set("content-type", "application/json");
        headers.set(
                "accept",
                stream
                        ? (p.type() == ProviderType.OLLAMA ? "application/x-ndjson" : "text/event-stream")
                        : "application/json");
    }

    /** Makes {@code p} the current provider: credentials, timeout, attributes and log fields. */
    private void startAttempt(HttpFilterContext ctx, ProviderConfig p) {
        provider = p;
        codec = service.codec(p);
        attemptStartNanos = gateway.nanoTime();
        HttpHeaders credentials = ctx.upstreamRequestHeaders();
        for (String name : CREDENTIAL_HEADERS) {
            credentials.remove(name);
        }
        String key = service.apiKey(p.name());
        if (p.type() == ProviderType.ANTHROPIC) {
            credentials.set("anthropic-version", AnthropicCodec.API_VERSION);
            if (key != null) {
                credentials.set("x-api-key", key);
            }
        } else if (key != null) {
            credentials.set("authorization", "Bearer " + key);
        }
        ctx.setResponseHeadTimeout(p.timeout().orElse(null));
        ctx.setAttr(AiAttributes.PROVIDER, p.name());
        ctx.setLogField("ai.provider", p.name());
        ctx.setLogField("ai.fallback.attempts", Integer.toString(fallbacks));
    }

    /**
     * The next attempt after the current provider failed for {@code reason}, or {@code null} if none is left (the
     * failure then goes to the client). Providers the request cannot be converted for are skipped.
     */
    private FilterAction nextAttempt(HttpFilterContext ctx, String reason) {
        for (int i = planIndex + 1; i < plan.size(); i++) {
            ProviderConfig p = plan.get(i);
            ObjectNode body;
            try {
                body = convert(p);
            } catch (ConversionException e) {
                logger.debug("fallback provider {} skipped: {}", p.name(), e.getMessage());
                continue;
            }
            gateway.metrics()
                    .attempt(
                            operation,
                            provider,
                            model,
                            AiMetrics.UNKNOWN,
                            gateway.nanoTime() - attemptStartNanos,
                            reason);
            gateway.metrics().fallback(operation, provider, model, reason);
            planIndex = i;
            fallbacks++;
            HttpRequestHead head = HttpRequestHead.of("POST", "/", p.authority(), HttpHeaders.copyOf(clientHeaders));
            prepare(head, p);
            startAttempt(ctx, p);
            return FilterAction.retry(head, Json.buffer(body)).toCluster(p.cluster());
        }
        return null;
    }

    @Override
    public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
        if (provider == null) {
            return FilterAction.proceed(); // a local reply (ours or another filter's)
        }
        Throwable failure = ctx.upstreamFailure();
        int status = head.status();
        if (failure != null || status == 429 || status >= 500) {
            String reason = failure == null
                    ? Integer.toString(status)
                    : failure instanceof TimeoutException ? "timeout" : "upstream_failure";
            FilterAction next = nextAttempt(ctx, reason);
            if (next != null) {
                return next;
            }
        }
        providerStatus = status;
        HttpHeaders headers = head.headers();
        headers.remove("content-encoding");
        if (failure != null || status < 200 || status > 299) {
            errorResponse = true;
            upstreamFailure = failure;
            if (failure == null) {
                head.setStatus(codec.clientStatus(status));
            }
            headers.set("content-type", "application/json");
            return FilterAction.bufferBody();
        }
        if (stream) {
            headers.remove("content-length");
            headers.set("content-type", "text/event-stream; charset=utf-8");
            headers.set("cache-control", "no-cache");
            outputText = new StringBuilder();
            StreamSettings settings = StreamSettings.of(clientWantsUsage, model, this::collectOutput);
            converter = codec.newStreamConverter(settings);
            PiiRedactor redactor = service.responseRedactor();
            if (redactor != null) {
                streamRedactor = new StreamRedactor(redactor, settings.maxEventBytes());
            }
            return FilterAction.proceed();
        }
        headers.set("content-type", "application/json");
        return FilterAction.bufferBody();
    }

    @Override
    public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
        if (provider == null) {
            return FilterAction.proceed();
        }
        if (errorResponse) {
            if (!last) {
                return FilterAction.proceed();
            }
            ObjectNode error = upstreamFailure != null
                    ? failureError(upstreamFailure)
                    : codec.toOpenAiError(providerStatus, BodyBuffers.toByteArray(chunk));
            return FilterAction.proceedWith(Json.buffer(error));
        }
        if (converter != null) {
            return streamChunk(ctx, chunk, last);
        }
        if (!last) {
            return FilterAction.proceed();
        }
        firstTokenNanos = gateway.nanoTime() - startNanos;
        JsonNode parsed = Json.parse(BodyBuffers.toByteArray(chunk));
        if (EMBEDDINGS.equals(operation)) {
            return embeddingsResponse(ctx, parsed);
        }
        ObjectNode completion;
        try {
            if (parsed == null) {
                throw new ConversionException("provider response is not JSON");
            }
            completion = codec.toOpenAiResponse(parsed);
        } catch (ConversionException e) {
            return badProviderResponse(ctx, e);
        }
        responseModel = Json.text(completion.path("model"));
        PiiRedactor redactor = service.responseRedactor();
        boolean changed = codec.type() != ProviderType.OPENAI;
        if (redactor != null && redactor.redactResponse(completion) != null) {
            changed = true;
        }
        Optional<TokenUsage> reported = usageOf(completion);
        if (reported.isPresent()) {
            usage = reported.get();
        } else {
            StringBuilder text = new StringBuilder();
            for (JsonNode choice : completion.path("choices").values()) {
                String content = Json.text(choice.path("message").path("content"));
                if (content != null) {
                    text.append(content);
                }
                for (JsonNode call : choice.path("message").path("tool_calls").values()) {
                    String args = Json.text(call.path("function").path("arguments"));
                    if (args != null) {
                        text.append(args);
                    }
                }
            }
            usage = new TokenUsage(
                    gateway.estimator().estimatePrompt(request),
                    gateway.estimator().count(text.toString(), model),
                    true);
        }
        recordUsage(ctx);
        // OpenAI bodies pass through byte for byte unless redaction changed them.
        return changed ? FilterAction.proceedWith(Json.buffer(completion)) : FilterAction.proceed();
    }

    private FilterAction streamChunk(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
        ByteBuffer out = converter.convert(chunk);
        if (last) {
            out = join(out, converter.finish());
        }
        boolean hadOutput = outputText.length() + outputOverflowChars > 0;
        if (streamRedactor != null) {
            out = streamRedactor.apply(out);
            if (last) {
                out = join(out, streamRedactor.finish());
            }
        }
        if (last) {
            usage = streamUsage();
            recordUsage(ctx);
        }
        if (firstTokenNanos < 0 && out.hasRemaining() && hadOutput) {
            firstTokenNanos = gateway.nanoTime() - startNanos;
        }
        return FilterAction.proceedWith(out);
    }

    private FilterAction embeddingsResponse(HttpFilterContext ctx, JsonNode parsed) {
        ObjectNode list;
        try {
            if (parsed == null) {
                throw new ConversionException("provider response is not JSON");
            }
            list = codec.toOpenAiEmbeddingsResponse(parsed, base64);
        } catch (ConversionException e) {
            return badProviderResponse(ctx, e);
        }
        responseModel = Json.text(list.path("model"));
        if (responseModel == null) {
            list.put("model", model);
        }
        long prompt = Json.count(list.path("usage").path("prompt_tokens"));
        usage = prompt >= 0
                ? new TokenUsage(prompt, 0, false)
                : new TokenUsage(gateway.estimator().estimateEmbeddingInput(request), 0, true);
        if (prompt < 0) {
            list.putObject("usage").put("prompt_tokens", usage.inputTokens()).put("total_tokens", usage.inputTokens());
        }
        recordUsage(ctx);
        return codec.type() == ProviderType.OPENAI && prompt >= 0
                ? FilterAction.proceed()
                : FilterAction.proceedWith(Json.buffer(list));
    }

    private FilterAction badProviderResponse(HttpFilterContext ctx, ConversionException e) {
        ctx.response().setStatus(502);
        errorResponse = true;
        providerStatus = 502; // the provider's answer was unusable: a bad gateway, whatever its status said
        return FilterAction.proceedWith(Json.buffer(Json.openAiError(e.getMessage(), "api_error", null)));
    }

    /** OpenAI's error JSON for an attempt that got no response at all; names the provider, never its address or key. */
    private ObjectNode failureError(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return Json.openAiError(
                    "provider " + provider.name() + " did not answer within "
                            + provider.timeout().map(Object::toString).orElse("the gateway's timeout"),
                    "api_error",
                    "timeout");
        }
        return Json.openAiError(
                "provider " + provider.name() + " could not be reached", "api_error", "provider_unavailable");
    }

    private void recordUsage(HttpFilterContext ctx) {
        ctx.setAttr(AiAttributes.TOKEN_USAGE, usage);
        ctx.setLogField("ai.tokens.input", Long.toString(usage.inputTokens()));
        ctx.setLogField("ai.tokens.output", Long.toString(usage.outputTokens()));
        ctx.setLogField("ai.tokens.estimated", Boolean.toString(usage.estimated()));
    }

    @Override
    public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
        if (provider == null) {
            return;
        }
        if (usage == null && converter != null) {
            usage = streamUsage(); // the stream was cut off: charge what was generated
            recordUsage(ctx);
        }
        if (responseModel == null && converter != null) {
            responseModel = converter.responseModel().orElse(null);
        }
        String errorType = null;
        if (errorResponse) {
            errorType = upstreamFailure instanceof TimeoutException
                    ? "timeout"
                    : upstreamFailure != null ? "upstream_failure" : Integer.toString(providerStatus);
        } else if (stats.error() != null) {
            errorType = stats.error() instanceof NantianException
                    ? ((NantianException) stats.error()).category().name().toLowerCase(Locale.ROOT)
                    : stats.error().getClass().getSimpleName();
        }
        long now = gateway.nanoTime();
        gateway.metrics().attempt(operation, provider, model, responseModel, now - attemptStartNanos, errorType);
        gateway.metrics()
                .exchange(
                        operation,
                        provider,
                        model,
                        responseModel,
                        usage,
                        stats.durationNanos(),
                        firstTokenNanos,
                        errorType);
        request = null;
        outputText = null;
    }

    private void collectOutput(String text) {
        if (text == null) {
            return;
        }
        int room = MAX_ESTIMATE_CHARS - outputText.length();
        if (text.length() <= room) {
            outputText.append(text);
        } else {
            outputText.append(text, 0, Math.max(0, room));
            outputOverflowChars += text.length() - Math.max(0, room);
        }
    }

    private TokenUsage streamUsage() {
        Optional<TokenUsage> reported = converter.reportedUsage();
        if (reported.isPresent()) {
            return reported.get();
        }
        long output = gateway.estimator().count(outputText.toString(), model) + (outputOverflowChars + 3) / 4;
        return new TokenUsage(gateway.estimator().estimatePrompt(request), output, true);
    }

    private static ByteBuffer join(ByteBuffer a, ByteBuffer b) {
        if (!b.hasRemaining()) {
            return a;
        }
        if (!a.hasRemaining()) {
            return b;
        }
        ByteBuffer joined = ByteBuffer.allocate(a.remaining() + b.remaining());
        joined.put(a.duplicate()).put(b.duplicate()).flip();
        return joined.asReadOnlyBuffer();
    }

    private static Optional<TokenUsage> usageOf(JsonNode completion) {
        JsonNode u = completion.path("usage");
        long prompt = Json.count(u.path("prompt_tokens"));
        long completionTokens = Json.count(u.path("completion_tokens"));
        return prompt < 0 || completionTokens < 0
                ? Optional.empty()
                : Optional.of(new TokenUsage(prompt, completionTokens, false));
    }

    private static LocalReply error(int status, String message, String type) {
        return new LocalReply(
                status,
                HttpHeaders.of("content-type", "application/json"),
                Json.buffer(Json.openAiError(message, type, null)));
    }
}
