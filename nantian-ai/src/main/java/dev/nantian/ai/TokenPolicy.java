package dev.nantian.ai;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.config.FailMode;
import dev.nantian.ai.config.TokenLimit;
import dev.nantian.ai.config.TokenPolicyConfig;
import dev.nantian.ai.config.TokenStoreConfig;
import dev.nantian.ai.limit.TokenBucket;
import dev.nantian.ai.limit.TokenStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code TokenPolicy} ready to enforce: its configuration and its store. Made once per config snapshot by
 * {@link AiGateway#tokenPolicyFilterFactory()}; the store outlives snapshots (it belongs to the gateway), so budgets
 * survive config updates. Immutable.
 */
public final class TokenPolicy {
    private final TokenPolicyConfig config;
    private final TokenStore store;

    TokenPolicy(TokenPolicyConfig config, TokenStore store) {
        this.config = requireNonNull(config, "config");
        this.store = requireNonNull(store, "store");
    }

    /** The configuration. */
    public TokenPolicyConfig config() {
        return config;
    }

    TokenStore store() {
        return store;
    }

    FailMode failMode() {
        return config.store() instanceof TokenStoreConfig.Redis
                ? ((TokenStoreConfig.Redis) config.store()).failMode()
                : FailMode.CLOSED;
    }

    Duration storeTimeout() {
        return config.store() instanceof TokenStoreConfig.Redis
                ? ((TokenStoreConfig.Redis) config.store()).timeout().multipliedBy(4)
                : Duration.ofSeconds(1);
    }

    /**
     * The buckets of client {@code clientKey} at {@code nowMillis}: one per limit, keyed by policy, client, window
     * length and window start (fixed windows aligned to the epoch).
     */
    List<TokenBucket> buckets(String clientKey, long nowMillis) {
        List<TokenBucket> buckets = new ArrayList<>(config.limits().size());
        for (TokenLimit limit : config.limits()) {
            long window = limit.window().toMillis();
            long start = nowMillis - Math.floorMod(nowMillis, window);
            buckets.add(new TokenBucket(
                    "nantian:tp:" + config.namespace() + "/" + config.name() + ":" + window + ":" + start + ":"
                            + clientKey,
                    limit.tokens(),
                    start + window));
        }
        return buckets;
    }

    @Override
    public String toString() {
        return "TokenPolicy[" + config.namespace() + "/" + config.name() + "]";
    }
}
