package dev.nantian.gateway;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plays the API server's part for objects read from files: an object first seen gets generation 1 and a creation
 * timestamp (both only where the file does not set them); its generation goes up by one each time its content
 * other than metadata and status changes. Status conditions carry these generations as {@code observedGeneration},
 * so a client can tell which edit a status answers, and route precedence can tell older routes from newer ones.
 *
 * <p>Not thread-safe: the gateway calls it from its one reload thread.
 */
final class GenerationTracker {
    private record Seen(String digest, long generation, String created) {}

    private final JsonMapper mapper;
    private final Clock clock;
    private Map<String, Seen> seen = new HashMap<>();

    GenerationTracker(JsonMapper mapper, Clock clock) {
        this.mapper = mapper;
        this.clock = clock;
    }

    /** Stamps generation and creation time on freshly loaded objects (which nothing else shares yet). */
    void stamp(List<HasMetadata> objects) {
        Map<String, Seen> next = new HashMap<>();
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        for (HasMetadata o : objects) {
            ObjectMeta meta = o.getMetadata();
            if (meta == null) {
                continue;
            }
            String key = o.getApiVersion() + "/" + o.getKind() + "/" + meta.getNamespace() + "/" + meta.getName();
            String digest = specDigest(o);
            Seen before = seen.get(key);
            long generation;
            String created;
            if (before == null) {
                generation = 1;
                created = now;
            } else {
                generation = before.digest().equals(digest) ? before.generation() : before.generation() + 1;
                created = before.created();
            }
            next.put(key, new Seen(digest, generation, created));
            if (meta.getGeneration() == null) {
                meta.setGeneration(generation);
            }
            if (meta.getCreationTimestamp() == null) {
                meta.setCreationTimestamp(created);
            }
        }
        // Objects that disappeared are forgotten: if they come back, they are new objects, as in a cluster.
        seen = next;
    }

    private String specDigest(HasMetadata o) {
        JsonNode tree = mapper.valueToTree(o);
        if (tree instanceof ObjectNode obj) {
            obj.remove("metadata");
            obj.remove("status");
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return java.util.HexFormat.of()
                    .formatHex(sha.digest(mapper.writeValueAsString(tree).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
