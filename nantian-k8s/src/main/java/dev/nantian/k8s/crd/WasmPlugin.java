package dev.nantian.k8s.crd;

import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/** A {@code WasmPlugin}: a proxy-wasm module, referenced from route rules as an {@code ExtensionRef} filter. */
@JsonDeserialize(using = ValueDeserializer.None.class) // a plain bean, not fabric8's registry of kinds
public final class WasmPlugin extends ExtensionResource {
    /** The kind. */
    public static final String KIND = "WasmPlugin";

    public WasmPlugin() {}

    @Override
    public String getKind() {
        return KIND;
    }
}
