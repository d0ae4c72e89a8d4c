package dev.nantian.k8s.crd;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * A custom resource of group {@code gateway.nantian.dev} whose spec is a JSON-shaped tree ({@code Map}, {@code List},
 * {@code String}, {@code Number}, {@code Boolean}). Like fabric8's model classes these objects are mutable beans, for
 * Jackson; the translator never modifies them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public abstract class ExtensionResource implements HasMetadata {
    /** The API group of every kind in this package. */
    public static final String GROUP = "gateway.nantian.dev";

    /** The version of every kind in this package. */
    public static final String VERSION = "v1alpha1";

    /** {@code gateway.nantian.dev/v1alpha1}. */
    public static final String API_VERSION = GROUP + "/" + VERSION;

    private String apiVersion = API_VERSION;
    private ObjectMeta metadata;
    private Map<String, Object> spec;
    private ExtensionStatus status;

    ExtensionResource() {}

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    /** The kind; fixed by the class. */
    @Override
    public abstract String getKind();

    /** Accepts the {@code kind} field of a manifest; the class already fixes it. */
    public void setKind(String kind) {
        if (kind != null && !kind.equals(getKind())) {
            throw new IllegalArgumentException("kind " + kind + " is not " + getKind());
        }
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    /** The spec as written; {@code null} when the manifest has none. */
    public Map<String, Object> getSpec() {
        return spec;
    }

    public void setSpec(Map<String, Object> spec) {
        this.spec = spec;
    }

    public ExtensionStatus getStatus() {
        return status;
    }

    public void setStatus(ExtensionStatus status) {
        this.status = status;
    }

    // HasMetadata's derived properties are not part of the resource's JSON form

    @JsonIgnore
    @Override
    public String getPlural() {
        return HasMetadata.super.getPlural();
    }

    @JsonIgnore
    @Override
    public String getSingular() {
        return HasMetadata.super.getSingular();
    }

    @JsonIgnore
    @Override
    public String getFullResourceName() {
        return HasMetadata.super.getFullResourceName();
    }

    @JsonIgnore
    @Override
    public boolean isMarkedForDeletion() {
        return HasMetadata.super.isMarkedForDeletion();
    }

    @JsonIgnore
    @Override
    public List<String> getFinalizers() {
        return HasMetadata.super.getFinalizers();
    }

    @Override
    public String toString() {
        return getKind() + "[" + (metadata == null ? "?" : metadata.getNamespace() + "/" + metadata.getName()) + "]";
    }
}
