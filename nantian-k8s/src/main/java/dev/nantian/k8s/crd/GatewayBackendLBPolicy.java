package dev.nantian.k8s.crd;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.PolicyStatus;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Gateway API's experimental {@code gateway.networking.k8s.io/v1alpha2 BackendLBPolicy} (GEP-1619): session
 * persistence for every route to the Services in its {@code targetRefs}. The fabric8 model has no class for it, so
 * this one carries it: the spec as a JSON-shaped tree ({@code targetRefs}, {@code sessionPersistence}), the status as
 * Gateway API's {@link PolicyStatus}. Like fabric8's classes, a mutable bean for Jackson that the translator never
 * modifies.
 */
@JsonDeserialize(using = ValueDeserializer.None.class) // a plain bean, not fabric8's registry of kinds
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public final class GatewayBackendLBPolicy implements HasMetadata {
    /** The kind. */
    public static final String KIND = "BackendLBPolicy";
    /** The only version Gateway API has published it in. */
    public static final String API_VERSION = "gateway.networking.k8s.io/v1alpha2";

    private String apiVersion = API_VERSION;
    private ObjectMeta metadata;
    private Map<String, Object> spec;
    private PolicyStatus status;

    public GatewayBackendLBPolicy() {}

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    @Override
    public String getKind() {
        return KIND;
    }

    /** Accepts the {@code kind} field of a manifest; the class already fixes it. */
    public void setKind(String kind) {
        if (kind != null && !kind.equals(KIND)) {
            throw new IllegalArgumentException("kind " + kind + " is not " + KIND);
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

    public PolicyStatus getStatus() {
        return status;
    }

    public void setStatus(PolicyStatus status) {
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
        return KIND + "[" + (metadata == null ? "?" : metadata.getNamespace() + "/" + metadata.getName()) + "]";
    }
}
