package dev.nantian.k8s.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * The status of an {@link ExtensionResource}: conditions only. The translator writes {@code Accepted} (is the spec
 * usable) and, where the object references others, {@code ResolvedRefs}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ExtensionStatus {
    private List<Condition> conditions = new ArrayList<>();

    public ExtensionStatus() {}

    public ExtensionStatus(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    @Override
    public String toString() {
        return "ExtensionStatus[conditions=" + conditions + "]";
    }
}
