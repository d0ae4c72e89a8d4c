package dev.nantian.ai;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.config.AiServiceConfig;
import dev.nantian.ai.config.ProviderConfig;
import dev.nantian.ai.config.SecretKeyRef;
import dev.nantian.ai.config.TokenPolicyConfig;
import dev.nantian.ai.config.TokenStoreConfig;
import dev.nantian.ai.limit.InMemoryTokenStore;
import dev.nantian.ai.limit.RedisTokenStore;
import dev.nantian.ai.limit.TokenStore;
import dev.nantian.ai.provider.ProviderCodec;
import dev.nantian.ai.tokens.TokenEstimator;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterFactory;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.Secret;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The AI gateway's entry point: builds the filter factories for {@code gateway.nantian.dev/AIService} and
 * {@code gateway.nantian.dev/TokenPolicy}, and owns what must outlive config snapshots (token stores, the Redis
 * executor, the tokenizer).
 *
 * <pre>{@code
 * AiGateway ai = AiGateway.builder()
 *         .secrets(name -> currentSnapshot().secret(name))
 *         .meterRegistry(prometheusRegistry)
 *         .build();
 * FilterRegistry registry = FilterRegistry.builder()
 *         .register(ai.tokenPolicyFilterFactory())
 *         .register(ai.aiServiceFilterFactory())
 *         .build();
 * // per route: a TokenPolicy filter (if any) before the AIService filter, each configured with its ExtensionConfig
 * }</pre>
 *
 * <p>Both factories take the {@link ExtensionConfig} itself as raw configuration (not only its spec), because the
 * object's namespace and name pick its secrets, its provider clusters ({@link AiServiceConfig#clusterName}) and its
 * budget keys.
 *
 * <p>Close the gateway when the data plane stops: it closes Redis connections and its executor. Idempotent.
 */
public final class AiGateway implements AutoCloseable {
    /** {@code gateway.nantian.dev/AIService}. */
    public static final String AI_SERVICE_KIND = AiServiceConfig.GROUP + "/" + AiServiceConfig.KIND;

    /** {@code gateway.nantian.dev/TokenPolicy}. */
    public static final String TOKEN_POLICY_KIND = AiServiceConfig.GROUP + "/" + TokenPolicyConfig.KIND;

    private final SecretLookup secrets;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final TokenEstimator estimator = new TokenEstimator();
    private final AiMetrics metrics;
    private final ExecutorService ownedExecutor;
    private final java.util.concurrent.Executor blockingExecutor;
    private final Map<String, TokenStore> stores = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private AiGateway(Builder builder) {
        this.secrets = builder.secrets;
        this.clock = builder.clock;
        this.nanoTime = builder.nanoTime;
        this.metrics = new AiMetrics(builder.meterRegistry);
        if (builder.blockingExecutor != null) {
            this.ownedExecutor = null;
            this.blockingExecutor = builder.blockingExecutor;
        } else {
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor pool =
                    new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), r -> {
                        Thread t = new Thread(r, "nantian-ai-store-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            this.ownedExecutor = pool;
            this.blockingExecutor = pool;
        }
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The factory of the AIService filter (kind {@value #AI_SERVICE_KIND}). */
    public HttpFilterFactory<AiService> aiServiceFilterFactory() {
        return new HttpFilterFactory<>() {
            @Override
            public String kind() {
                return AI_SERVICE_KIND;
            }

            @Override
            public AiService parseConfig(Object rawConfig) {
                return aiService(extension(rawConfig, AiServiceConfig.KIND));
            }

            @Override
            public HttpFilter create(AiService config) {
                return new AiServiceFilter(config, AiGateway.this);
            }
        };
    }

    /** The factory of the TokenPolicy filter (kind {@value #TOKEN_POLICY_KIND}). */
    public HttpFilterFactory<TokenPolicy> tokenPolicyFilterFactory() {
        return new HttpFilterFactory<>() {
            @Override
            public String kind() {
                return TOKEN_POLICY_KIND;
            }

            @Override
            public TokenPolicy parseConfig(Object rawConfig) {
                return tokenPolicy(extension(rawConfig, TokenPolicyConfig.KIND));
            }

            @Override
            public HttpFilter create(TokenPolicy config) {
                return new TokenPolicyFilter(config, AiGateway.this);
            }
        };
    }

    /**
     * Compiles an AIService: parses the spec and resolves API keys.
     *
     * @throws ConfigValidationException listing every problem, including missing secrets
     */
    public AiService aiService(ExtensionConfig object) {
        AiServiceConfig config = AiServiceConfig.parse(object);
        List<String> errors = new ArrayList<>();
        Map<String, String> keys = new HashMap<>();
        Map<String, ProviderCodec> codecs = new HashMap<>();
        for (ProviderConfig p : config.providers()) {
            codecs.put(p.name(), ProviderCodec.of(p.type(), clock));
            if (p.auth().isEmpty()) {
                continue;
            }
            SecretKeyRef ref = p.auth().get();
            String secretName = config.namespace() + "/" + ref.name();
            Optional<Secret> secret = secrets.find(secretName);
            String where = "AIService " + object.key() + ": providers " + p.name() + ": secret " + secretName;
            if (secret.isEmpty()) {
                errors.add(where + " not found");
            } else if (!(secret.get() instanceof Secret.Generic)) {
                errors.add(where + " is not an opaque (generic) secret");
            } else {
                String value = ((Secret.Generic) secret.get()).data().get(ref.key());
                if (value == null || value.isBlank()) {
                    errors.add(where + " has no key " + ref.key());
                } else {
                    keys.put(p.name(), value.strip());
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
        return new AiService(config, keys, codecs);
    }

    /**
     * Compiles a TokenPolicy: parses the spec and binds it to its store, created on first use and kept across
     * snapshots (per policy for memory stores, per address for Redis).
     *
     * @throws ConfigValidationException listing every problem
     */
    public TokenPolicy tokenPolicy(ExtensionConfig object) {
        TokenPolicyConfig config = TokenPolicyConfig.parse(object);
        if (closed.get()) {
            throw new IllegalStateException("AiGateway is closed");
        }
        TokenStore store;
        if (config.store() instanceof TokenStoreConfig.Redis) {
            TokenStoreConfig.Redis redis = (TokenStoreConfig.Redis) config.store();
            String key = "redis:" + redis.host() + ":" + redis.port() + ":"
                    + redis.timeout().toMillis();
            store = stores.computeIfAbsent(key, k -> newRedisStore(redis));
        } else {
            store = stores.computeIfAbsent(
                    "memory:" + config.namespace() + "/" + config.name(), k -> new InMemoryTokenStore(clock));
        }
        return new TokenPolicy(config, store);
    }

    private TokenStore newRedisStore(TokenStoreConfig.Redis redis) {
        try {
            return new RedisTokenStore(redis.host(), redis.port(), redis.timeout(), blockingExecutor);
        } catch (NoClassDefFoundError e) {
            throw new ConfigValidationException(List.of("TokenPolicy store redis needs redis.clients:jedis on the"
                    + " class path (an optional dependency of nantian-ai)"));
        }
    }

    private static ExtensionConfig extension(Object rawConfig, String kind) {
        if (rawConfig instanceof ExtensionConfig) {
            ExtensionConfig e = (ExtensionConfig) rawConfig;
            if (!AiServiceConfig.GROUP.equals(e.group()) || !kind.equals(e.kind())) {
                throw new ConfigValidationException(List.of(
                        "expected a " + AiServiceConfig.GROUP + "/" + kind + ", got " + e.group() + "/" + e.kind()));
            }
            return e;
        }
        throw new ConfigValidationException(List.of(kind + " filters take the ExtensionConfig object (its namespace"
                + " and name select secrets, clusters and budgets), not "
                + (rawConfig == null ? "null" : rawConfig.getClass().getSimpleName())));
    }

    Clock clock() {
        return clock;
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    TokenEstimator estimator() {
        return estimator;
    }

    AiMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (TokenStore store : stores.values()) {
            store.close();
        }
        stores.clear();
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }

    /** Builds an {@link AiGateway}. */
    public static final class Builder {
        private SecretLookup secrets = name -> Optional.empty();
        private Clock clock = Clock.systemUTC();
        private LongSupplier nanoTime = System::nanoTime;
        private MeterRegistry meterRegistry;
        private java.util.concurrent.Executor blockingExecutor;

        private Builder() {}

        /** Where API keys come from; by default there are none (providers with {@code auth} fail to configure). */
        public Builder secrets(SecretLookup secrets) {
            this.secrets = requireNonNull(secrets, "secrets");
            return this;
        }

        /** The wall clock for token windows and {@code created} fields; {@link Clock#systemUTC()} by default. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** The monotonic clock for durations (time to first token); {@code System::nanoTime} by default. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /** Where GenAI metrics go; none by default. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Runs blocking store calls (Redis). By default the gateway owns a small pool of 4 daemon threads with a
         * bounded queue, shut down by {@link AiGateway#close()}.
         */
        public Builder blockingExecutor(java.util.concurrent.Executor executor) {
            this.blockingExecutor = requireNonNull(executor, "executor");
            return this;
        }

        public AiGateway build() {
            return new AiGateway(this);
        }
    }
}
