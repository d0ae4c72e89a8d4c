package dev.nantian.ai;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.config.AiServiceConfig;
import dev.nantian.ai.config.PiiMode;
import dev.nantian.ai.config.ProviderConfig;
import dev.nantian.ai.internal.Json;
import dev.nantian.ai.pii.PiiRedactor;
import dev.nantian.ai.provider.ProviderCodec;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An {@code AIService} ready to serve: its configuration with API keys resolved, codecs and redactors built and the
 * {@code /v1/models} answer rendered. Made once per config snapshot by {@link AiGateway#aiServiceFilterFactory()};
 * immutable and shared by all exchanges. {@link #toString()} never shows keys.
 */
public final class AiService {
    private final AiServiceConfig config;
    private final Map<String, String> apiKeys;
    private final Map<String, ProviderCodec> codecs;
    private final PiiRedactor requestRedactor;
    private final PiiRedactor responseRedactor;
    private final byte[] modelsJson;

    AiService(AiServiceConfig config, Map<String, String> apiKeys, Map<String, ProviderCodec> codecs) {
        this.config = requireNonNull(config, "config");
        this.apiKeys = Map.copyOf(apiKeys);
        this.codecs = Map.copyOf(codecs);
        this.requestRedactor = config.pii().request() == PiiMode.OFF
                ? null
                : new PiiRedactor(config.pii().request(), config.pii().detectors());
        this.responseRedactor = config.pii().response() == PiiMode.OFF
                ? null
                : new PiiRedactor(config.pii().response(), config.pii().detectors());
        this.modelsJson = renderModels(config);
    }

    /** The configuration. */
    public AiServiceConfig config() {
        return config;
    }

    /** Whether provider {@code name} has an API key. */
    public boolean hasApiKey(String provider) {
        return apiKeys.containsKey(provider);
    }

    String apiKey(String provider) {
        return apiKeys.get(provider);
    }

    ProviderCodec codec(ProviderConfig provider) {
        return codecs.get(provider.name());
    }

    PiiRedactor requestRedactor() {
        return requestRedactor;
    }

    PiiRedactor responseRedactor() {
        return responseRedactor;
    }

    ByteBuffer modelsJson() {
        return ByteBuffer.wrap(modelsJson).asReadOnlyBuffer();
    }

    private static byte[] renderModels(AiServiceConfig config) {
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        Set<String> seen = new LinkedHashSet<>();
        Map<String, String> owner = new HashMap<>();
        for (ProviderConfig p : config.providers()) {
            for (String model : p.listedModels()) {
                if (seen.add(model)) {
                    owner.put(model, p.name());
                }
            }
        }
        for (String model : seen) {
            ObjectNode m = data.addObject();
            m.put("id", model);
            m.put("object", "model");
            m.put("created", 0);
            m.put("owned_by", owner.get(model));
        }
        return Json.bytes(root);
    }

    @Override
    public String toString() {
        return "AiService[" + config.namespace() + "/" + config.name() + ", providers="
                + config.providers().size() + ", keys=<redacted>]";
    }
}
