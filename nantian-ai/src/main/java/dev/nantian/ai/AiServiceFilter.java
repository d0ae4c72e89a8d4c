package dev.nantian.ai;

import dev.nantian.ai.config.ProviderConfig;
import dev.nantian.ai.config.ProviderType;
import dev.nantian.ai.internal.Json;
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
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The AIService filter of one exchange: serves {@code GET /v1/models} locally; for {@code POST /v1/chat/completions}
 * buffers the request, picks the provider by model, redacts PII, converts the body, rewrites path and authority,
 * injects the API key through {@link HttpFilterContext#upstreamRequestHeaders()} (so neither later filters nor logs
 * see it) and selects the provider's cluster; converts the response (buffered, or streamed chunk by chunk) and
 * records token usage. All callbacks run on the exchange's event loop.
 */
final class AiServiceFilter implements HttpFilter {
    /** Headers a client may send that must not reach a provider: its credentials for the gateway, and encodings. */
    private static final String[] STRIPPED_REQUEST_HEADERS = {
        "authorization", "x-api-key", "api-key", "anthropic-version", "cookie", "accept-encoding", "content-length"
    };

    /** Generated text kept for a fallback estimate; beyond this, characters count as a quarter token each. */
    private static final int MAX_ESTIMATE_CHARS = 256 * 1024;

    private final AiService service;
    private final AiGateway gateway;

    private ProviderConfig provider;
    private ProviderCodec codec;
    private String model;
    private ObjectNode request;
    private boolean stream;
    private boolean clientWantsUsage;
    private int providerStatus;
    private boolean errorResponse;
    private StreamConverter converter;
    private StringBuilder outputText;
    private long outputOverflowChars;
    private long startNanos;
    private long firstTokenNanos = -1;
    private TokenUsage usage;

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
        if ("/v1/chat/completions".equals(path)) {
            if (!"POST".equals(head.method())) {
                return error(405, "use POST for /v1/chat/completions", "invalid_request_error");
            }
            return FilterAction.bufferBody();
        }
        return error(404, "unknown endpoint " + head.method() + " " + path, "invalid_request_error");
    }

    @Override
    public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
        if (provider != null || !last) {
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
        if (!request.path("messages").isArray() || request.path("messages").isEmpty()) {
            return error(400, "messages must be a non-empty array", "invalid_request_error");
        }
        Optional<ProviderConfig> chosen = service.config().providerFor(model);
        if (chosen.isEmpty()) {
            return new LocalReply(
                    404,
                    HttpHeaders.of("content-type", "application/json"),
                    Json.buffer(Json.openAiError(
                            "The model '" + model + "' does not exist or you do not have access to it.",
                            "invalid_request_error",
                            "model_not_found")));
        }
        PiiRedactor redactor = service.requestRedactor();
        if (redactor != null) {
            PiiType found = redactor.redactRequest(request);
            if (found != null && redactor.mode() == dev.nantian.ai.config.PiiMode.BLOCK) {
                return new LocalReply(
                        400,
                        HttpHeaders.of("content-type", "application/json"),
                        Json.buffer(Json.openAiError(
                                "the request was blocked: it contains " + found.configName() + " data",
                                "invalid_request_error",
                                "pii_detected")));
            }
        }
        ProviderConfig p = chosen.get();
        ProviderCodec c = service.codec(p);
        ObjectNode upstreamBody;
        try {
            upstreamBody = c.toProviderRequest(request, p.upstreamModel(model));
        } catch (ConversionException e) {
            return error(400, e.getMessage(), "invalid_request_error");
        }
        provider = p;
        codec = c;
        stream = request.path("stream").asBoolean(false);
        clientWantsUsage = request.path("stream_options").path("include_usage").asBoolean(false);

        HttpRequestHead head = ctx.request();
        head.setPath(p.chatPath());
        head.setAuthority(p.authority());
        HttpHeaders headers = head.headers();
        for (String name : STRIPPED_REQUEST_HEADERS) {
            headers.remove(name);
        }
        headers.set("content-type", "application/json");
        headers.set(
                "accept",
                stream
                        ? (p.type() == ProviderType.OLLAMA ? "application/x-ndjson" : "text/event-stream")
                        : "application/json");
        HttpHeaders credentials = ctx.upstreamRequestHeaders();
        String key = service.apiKey(p.name());
        if (p.type() == ProviderType.ANTHROPIC) {
            credentials.set("anthropic-version", AnthropicCodec.API_VERSION);
            if (key != null) {
                credentials.set("x-api-key", key);
            }
        } else if (key != null) {
            credentials.set("authorization", "Bearer " + key);
        }
        ctx.selectUpstream(p.cluster());
        ctx.setAttr(AiAttributes.PROVIDER, p.name());
        ctx.setAttr(AiAttributes.MODEL, model);
        return FilterAction.proceedWith(Json.buffer(upstreamBody));
    }

    @Override
    public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
        if (provider == null) {
            return FilterAction.proceed(); // a local reply (ours or another filter's)
        }
        providerStatus = head.status();
        HttpHeaders headers = head.headers();
        headers.remove("content-encoding");
        if (providerStatus < 200 || providerStatus > 299) {
            errorResponse = true;
            head.setStatus(codec.clientStatus(providerStatus));
            headers.set("content-type", "application/json");
            return FilterAction.bufferBody();
        }
        if (stream) {
            headers.remove("content-length");
            headers.set("content-type", "text/event-stream; charset=utf-8");
            headers.set("cache-control", "no-cache");
            outputText = new StringBuilder();
            converter = codec.newStreamConverter(StreamSettings.of(clientWantsUsage, model, this::collectOutput));
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
            return last
                    ? FilterAction.proceedWith(
                            Json.buffer(codec.toOpenAiError(providerStatus, BodyBuffers.toByteArray(chunk))))
                    : FilterAction.proceed();
        }
        if (converter != null) {
            ByteBuffer out = converter.convert(chunk);
            if (last) {
                ByteBuffer rest = converter.finish();
                if (rest.hasRemaining()) {
                    ByteBuffer joined = ByteBuffer.allocate(out.remaining() + rest.remaining());
                    joined.put(out).put(rest).flip();
                    out = joined.asReadOnlyBuffer();
                }
                usage = streamUsage();
                ctx.setAttr(AiAttributes.TOKEN_USAGE, usage);
            }
            if (firstTokenNanos < 0 && out.hasRemaining() && outputText.length() + outputOverflowChars > 0) {
                firstTokenNanos = gateway.nanoTime() - startNanos;
            }
            return FilterAction.proceedWith(out);
        }
        if (!last) {
            return FilterAction.proceed();
        }
        firstTokenNanos = gateway.nanoTime() - startNanos;
        JsonNode parsed = Json.parse(BodyBuffers.toByteArray(chunk));
        ObjectNode completion;
        try {
            if (parsed == null) {
                throw new ConversionException("provider response is not JSON");
            }
            completion = codec.toOpenAiResponse(parsed);
        } catch (ConversionException e) {
            ctx.response().setStatus(502);
            return FilterAction.proceedWith(Json.buffer(Json.openAiError(e.getMessage(), "api_error", null)));
        }
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
        ctx.setAttr(AiAttributes.TOKEN_USAGE, usage);
        // OpenAI bodies pass through byte for byte unless redaction changed them.
        return changed ? FilterAction.proceedWith(Json.buffer(completion)) : FilterAction.proceed();
    }

    @Override
    public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
        if (provider == null) {
            return;
        }
        if (usage == null && converter != null) {
            usage = streamUsage(); // the stream was cut off: charge what was generated
            ctx.setAttr(AiAttributes.TOKEN_USAGE, usage);
        }
        String errorType = null;
        if (errorResponse) {
            errorType = Integer.toString(providerStatus);
        } else if (stats.error() != null) {
            errorType = stats.error() instanceof NantianException
                    ? ((NantianException) stats.error()).category().name().toLowerCase(java.util.Locale.ROOT)
                    : stats.error().getClass().getSimpleName();
        }
        gateway.metrics()
                .record(
                        provider.type().configName().toLowerCase(java.util.Locale.ROOT),
                        provider.name(),
                        model,
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
