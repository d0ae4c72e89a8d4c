package dev.nantian.k8s.crd;

import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/** A {@code TokenPolicy}: token budgets for the HTTPRoutes or AIServices named in its {@code targetRefs}. */
@JsonDeserialize(using = ValueDeserializer.None.class) // a plain bean, not fabric8's registry of kinds
public final class TokenPolicy extends ExtensionResource {
    /** The kind. */
    public static final String KIND = "TokenPolicy";

    public TokenPolicy() {}

    @Override
    public String getKind() {
        return KIND;
    }
}
