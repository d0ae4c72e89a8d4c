package dev.nantian.ai;

import dev.nantian.ai.config.FailMode;
import dev.nantian.ai.config.RateKeySource;
import dev.nantian.ai.internal.Json;
import dev.nantian.ai.limit.Reservation;
import dev.nantian.ai.limit.TokenBucket;
import dev.nantian.ai.tokens.TokenUsage;
import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterAction;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterContext;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import dev.nantian.core.filter.LocalReply;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The TokenPolicy filter of one exchange; sits before the AIService filter and works on the OpenAI request.
 *
 * <p>Before sending it reserves tokens: at least the estimated prompt plus one, at most the prompt plus the
 * request's max tokens (or plus {@value #DEFAULT_RESERVE} if the request sets none). Denied: a local 429 with
 * {@code Retry-After} and {@code x-ratelimit-limit-tokens}, {@code -remaining-tokens} and {@code -reset-tokens}; the
 * provider is never called. Granted with {@code clampMaxTokens}: if the grant is below what the request asked for
 * (or below {@value #DEFAULT_RESERVE} when it asked for nothing) the request's max tokens become the grant minus the
 * prompt, so the response cannot overshoot the budget. Embeddings requests reserve their estimated input. On
 * completion the difference between the actual usage
 * ({@link AiAttributes#TOKEN_USAGE}, zero if the provider never answered) and the reservation is settled.
 *
 * <p>Store failures follow the policy's {@code failMode}: open lets the request through unmetered and charges its
 * usage afterwards if the store is back; closed answers 503. Callbacks run on the event loop; store results are
 * turned into actions on the event loop too.
 */
final class TokenPolicyFilter implements HttpFilter {
    private static final Logger logger = LoggerFactory.getLogger(TokenPolicyFilter.class);

    /** Reserved for the completion when a request sets no max tokens. */
    static final long DEFAULT_RESERVE = 4096;

    private final TokenPolicy policy;
    private final AiGateway gateway;

    private List<TokenBucket> buckets;
    private long reserved;
    private boolean metered;
    private long remainingAfter = -1;
    private boolean embeddings;

    TokenPolicyFilter(TokenPolicy policy, AiGateway gateway) {
        this.policy = policy;
        this.gateway = gateway;
    }

    @Override
    public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
        String path = head.path();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (!"POST".equals(head.method())) {
            return FilterAction.proceed();
        }
        embeddings = path.endsWith("/embeddings");
        return embeddings || path.endsWith("/chat/completions")
                ? FilterAction.bufferBody(AiServiceFilter.MAX_REQUEST_BYTES)
                : FilterAction.proceed();
    }

    @Override
    public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
        if (!last || buckets != null) {
            return FilterAction.proceed();
        }
        JsonNode parsed = Json.parse(BodyBuffers.toByteArray(chunk));
        if (parsed == null || !parsed.isObject()) {
            return FilterAction.proceed(); // the AIService filter answers 400
        }
        ObjectNode request = (ObjectNode) parsed;
        buckets = policy.buckets(clientKey(ctx), gateway.clock().millis());
        if (embeddings) {
            // No completion to clamp: reserve exactly the estimated input.
            long input = Math.max(1, gateway.estimator().estimateEmbeddingInput(request));
            return reserve(ctx, request, input, input, input, -1, null, false);
        }
        long prompt = gateway.estimator().estimatePrompt(request);
        long asked = Json.count(request.path("max_completion_tokens"));
        String maxField = "max_completion_tokens";
        if (asked <= 0) {
            asked = Json.count(request.path("max_tokens"));
            maxField = "max_tokens";
        }
        boolean clamp = policy.config().clampMaxTokens();
        long min = prompt + 1;
        long max = clamp ? prompt + (asked > 0 ? asked : DEFAULT_RESERVE) : min;
        return reserve(ctx, request, prompt, min, max, asked, maxField, clamp);
    }

    private FilterAction reserve(
            HttpFilterContext ctx,
            ObjectNode request,
            long prompt,
            long min,
            long max,
            long asked,
            String maxField,
            boolean clamp) {
        CompletionStage<Reservation> stage;
        try {
            stage = policy.store().reserve(buckets, min, max);
        } catch (RuntimeException e) {
            return storeFailed(e);
        }
        long askedFinal = asked;
        String field = maxField;
        CompletableFuture<Reservation> future = stage.toCompletableFuture();
        if (future.isDone() && !future.isCompletedExceptionally()) {
            return decide(future.join(), request, prompt, askedFinal, field, clamp);
        }
        // Turn the result into an action on the event loop: the decision touches this filter's state.
        CompletionStage<FilterAction> action =
                stage.thenApplyAsync(r -> decide(r, request, prompt, askedFinal, field, clamp), ctx.eventLoop());
        return FilterAction.await(action).withTimeout(policy.storeTimeout()).withFailureHandler(this::storeFailed);
    }

    private FilterAction decide(
            Reservation reservation, ObjectNode request, long prompt, long asked, String maxField, boolean clamp) {
        if (!reservation.isGranted()) {
            return tooManyTokens(reservation);
        }
        metered = true;
        reserved = reservation.granted();
        remainingAfter = remaining(reservation);
        long allowed = reserved - prompt;
        if (clamp && (asked > 0 ? allowed < asked : allowed < DEFAULT_RESERVE)) {
            request.put(maxField, Math.max(1, allowed));
            return FilterAction.proceedWith(Json.buffer(request));
        }
        return FilterAction.proceed();
    }

    private FilterAction storeFailed(Throwable failure) {
        logger.debug("token store of {} failed", policy, failure);
        if (policy.failMode() == FailMode.OPEN) {
            return FilterAction.proceed();
        }
        return new LocalReply(
                503,
                HttpHeaders.of("content-type", "application/json"),
                Json.buffer(Json.openAiError(
                        "the token budget could not be checked; try again later", "api_error", "budget_unavailable")));
    }

    private FilterAction tooManyTokens(Reservation reservation) {
        long now = gateway.clock().millis();
        TokenBucket tightest = buckets.get(0);
        long tightestFree = Long.MAX_VALUE;
        for (int i = 0; i < buckets.size(); i++) {
            long free = buckets.get(i).limit() - reservation.used().get(i);
            if (free < tightestFree) {
                tightestFree = free;
                tightest = buckets.get(i);
            }
        }
        long resetSeconds = Math.max(1, (tightest.resetAtMillis() - now + 999) / 1000);
        HttpHeaders headers = HttpHeaders.of("content-type", "application/json");
        headers.set("retry-after", Long.toString(resetSeconds));
        headers.set("x-ratelimit-limit-tokens", Long.toString(tightest.limit()));
        headers.set("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, tightestFree)));
        headers.set("x-ratelimit-reset-tokens", resetSeconds + "s");
        return new LocalReply(
                429,
                headers,
                Json.buffer(Json.openAiError(
                        "token budget of policy " + policy.config().namespace() + "/"
                                + policy.config().name() + " exhausted: limit " + tightest.limit()
                                + " tokens, retry in " + resetSeconds + "s",
                        "tokens",
                        "rate_limit_exceeded")));
    }

    private long remaining(Reservation reservation) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < buckets.size(); i++) {
            min = Math.min(min, buckets.get(i).limit() - reservation.used().get(i));
        }
        return Math.max(0, min);
    }

    @Override
    public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
        if (metered && head.status() != 429) {
            TokenBucket first = buckets.get(0);
            head.headers().set("x-ratelimit-limit-tokens", Long.toString(first.limit()));
            head.headers().set("x-ratelimit-remaining-tokens", Long.toString(remainingAfter));
            long reset = Math.max(1, (first.resetAtMillis() - gateway.clock().millis() + 999) / 1000);
            head.headers().set("x-ratelimit-reset-tokens", reset + "s");
        }
        return FilterAction.proceed();
    }

    @Override
    public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
        if (buckets == null) {
            return;
        }
        TokenUsage usage = ctx.attr(AiAttributes.TOKEN_USAGE);
        long actual = usage == null ? 0 : usage.totalTokens();
        long delta = metered ? actual - reserved : actual;
        if (delta == 0) {
            return;
        }
        try {
            policy.store().adjust(buckets, delta).whenComplete((ignored, failure) -> {
                if (failure != null) {
                    logger.debug("settling {} tokens in {} failed", delta, policy, failure);
                }
            });
        } catch (RuntimeException e) {
            logger.debug("settling {} tokens in {} failed", delta, policy, e);
        }
    }

    private String clientKey(HttpFilterContext ctx) {
        RateKeySource source = policy.config().source();
        if (source instanceof RateKeySource.Header) {
            String value = ctx.request().headers().get(((RateKeySource.Header) source).name());
            return value == null || value.isEmpty() ? "-" : "h:" + value;
        }
        InetSocketAddress remote = ctx.connection().remoteAddress();
        return "ip:" + (remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString());
    }
}
