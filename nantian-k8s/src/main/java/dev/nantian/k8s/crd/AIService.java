package dev.nantian.k8s.crd;

import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * An {@code AIService}: an OpenAI-compatible endpoint in front of LLM providers, used as an HTTPRoute backend
 * ({@code {group: gateway.nantian.dev, kind: AIService, name: chat}}).
 */
@JsonDeserialize(using = ValueDeserializer.None.class) // a plain bean, not fabric8's registry of kinds
public final class AIService extends ExtensionResource {
    /** The kind. */
    public static final String KIND = "AIService";

    public AIService() {}

    @Override
    public String getKind() {
        return KIND;
    }
}
