package dev.nantian.ai.limit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * Counters in Redis, shared by every replica. Each operation is one Lua script, so the check and the increments
 * over all buckets are atomic on the server; keys expire at their window's end ({@code PEXPIREAT}).
 *
 * <p>Jedis is blocking, so calls run on the given executor (never on an event loop) and complete the returned stage
 * there. Jedis is an optional dependency of {@code nantian-ai}: this class needs {@code redis.clients:jedis} on the
 * class path, and is only loaded when a TokenPolicy uses {@code store: {redis: ...}}.
 *
 * <p>When Redis is down the stages fail (after the connect or socket timeout); the TokenPolicy's {@code failMode}
 * then lets the request through ({@code open}, the default) or answers 503 ({@code closed}).
 */
public final class RedisTokenStore implements TokenStore {
    // KEYS: buckets; ARGV: min, max, then limit and reset-at millis per key.
    // Returns {granted, used...}; granted 0 means denied and nothing changed.
    static final String RESERVE = "local min = tonumber(ARGV[1])\n"
            + "local grant = tonumber(ARGV[2])\n"
            + "local used = {}\n"
            + "for i = 1, #KEYS do\n"
            + "  used[i] = tonumber(redis.call('GET', KEYS[i]) or '0')\n"
            + "  local free = tonumber(ARGV[1 + 2 * i]) - used[i]\n"
            + "  if free < grant then grant = free end\n"
            + "end\n"
            + "if grant < min then\n"
            + "  local out = {0}\n"
            + "  for i = 1, #KEYS do out[i + 1] = used[i] end\n"
            + "  return out\n"
            + "end\n"
            + "local out = {grant}\n"
            + "for i = 1, #KEYS do\n"
            + "  out[i + 1] = redis.call('INCRBY', KEYS[i], grant)\n"
            + "  redis.call('PEXPIREAT', KEYS[i], ARGV[2 + 2 * i])\n"
            + "end\n"
            + "return out\n";

    // KEYS: buckets; ARGV: delta, then reset-at millis per key. Floors counts at zero.
    static final String ADJUST = "local delta = tonumber(ARGV[1])\n"
            + "for i = 1, #KEYS do\n"
            + "  local v = tonumber(redis.call('GET', KEYS[i]) or '0') + delta\n"
            + "  if v < 0 then v = 0 end\n"
            + "  redis.call('SET', KEYS[i], v, 'PXAT', ARGV[1 + i])\n"
            + "end\n"
            + "return 0\n";

    private final JedisPooled jedis;
    private final Executor executor;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Connects lazily to {@code host:port}.
     *
     * @param timeout connect and socket timeout of each call
     * @param executor runs the blocking calls; bounded, never an event loop
     */
    public RedisTokenStore(String host, int port, Duration timeout, Executor executor) {
        int millis = (int)
                Math.min(Integer.MAX_VALUE, requireNonNull(timeout, "timeout").toMillis());
        this.jedis = new JedisPooled(
                new HostAndPort(requireNonNull(host, "host"), port),
                DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(millis)
                        .socketTimeoutMillis(millis)
                        .build());
        this.executor = requireNonNull(executor, "executor");
    }

    @Override
    public CompletionStage<Reservation> reserve(List<TokenBucket> buckets, long min, long max) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("need 1 <= min <= max: " + min + ", " + max);
        }
        List<String> keys = new ArrayList<>(buckets.size());
        List<String> args = new ArrayList<>(2 + 2 * buckets.size());
        args.add(Long.toString(min));
        args.add(Long.toString(max));
        for (TokenBucket b : buckets) {
            keys.add(b.key());
            args.add(Long.toString(b.limit()));
            args.add(Long.toString(b.resetAtMillis()));
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    List<?> result = (List<?>) jedis.eval(RESERVE, keys, args);
                    long granted = ((Number) result.get(0)).longValue();
                    List<Long> used = new ArrayList<>(buckets.size());
                    for (int i = 1; i < result.size(); i++) {
                        used.add(((Number) result.get(i)).longValue());
                    }
                    return new Reservation(granted, used);
                },
                executor);
    }

    @Override
    public CompletionStage<Void> adjust(List<TokenBucket> buckets, long delta) {
        List<String> keys = new ArrayList<>(buckets.size());
        List<String> args = new ArrayList<>(1 + buckets.size());
        args.add(Long.toString(delta));
        for (TokenBucket b : buckets) {
            keys.add(b.key());
            args.add(Long.toString(b.resetAtMillis()));
        }
        return CompletableFuture.runAsync(() -> jedis.eval(ADJUST, keys, args), executor);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            jedis.close();
        }
    }
}
