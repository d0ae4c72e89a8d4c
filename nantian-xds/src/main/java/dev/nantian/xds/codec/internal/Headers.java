package dev.nantian.xds.codec.internal;

import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import java.util.ArrayList;
import java.util.List;

/** Header modifiers as Envoy's {@code *_headers_to_add} / {@code *_headers_to_remove}. */
public final class Headers {
    private Headers() {}

    /** {@code set} as overwrite, then {@code add} as append, keeping each list's order. */
    public static List<HeaderValueOption> toAdd(HeaderModifier m) {
        List<HeaderValueOption> out = new ArrayList<>();
        m.set().forEach(h -> out.add(option(h, HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        m.add().forEach(h -> out.add(option(h, HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
        return out;
    }

    public static HeaderValueOption option(HttpHeader h, HeaderAppendAction action) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(h.name()).setValue(h.value()))
                .setAppendAction(action)
                .build();
    }

    /** The header of {@code o} if it only appends, else an error and {@code null}. */
    public static HttpHeader appended(HeaderValueOption o, Errors errors, String where) {
        HttpHeader h = header(o, errors, where);
        if (h != null && !isAppend(o, errors, where)) {
            errors.add(where, "only APPEND_IF_EXISTS_OR_ADD is supported here");
            return null;
        }
        return h;
    }

    /** The modifier {@code toAdd} and {@code toRemove} describe; errors for what a modifier cannot express. */
    public static HeaderModifier modifier(
            List<HeaderValueOption> toAdd, List<String> toRemove, Errors errors, String where) {
        List<HttpHeader> set = new ArrayList<>();
        List<HttpHeader> add = new ArrayList<>();
        for (int i = 0; i < toAdd.size(); i++) {
            HeaderValueOption o = toAdd.get(i);
            String at = where + "_to_add[" + i + "]";
            HttpHeader h = header(o, errors, at);
            if (h == null) {
                continue;
            }
            Boolean append = isAppendOrOverwrite(o, errors, at);
            if (append != null) {
                (append ? add : set).add(h);
            }
        }
        return errors.attempt(where, () -> new HeaderModifier(set, add, toRemove));
    }

    private static HttpHeader header(HeaderValueOption o, Errors errors, String where) {
        Protos.onlyFields(o, errors, where, "header", "append_action", "append");
        HeaderValue hv = o.getHeader();
        Protos.onlyFields(hv, errors, where + ".header", "key", "value");
        return errors.attempt(where, () -> new HttpHeader(hv.getKey(), hv.getValue()));
    }

    private static boolean isAppend(HeaderValueOption o, Errors errors, String where) {
        return Boolean.TRUE.equals(isAppendOrOverwrite(o, errors, where));
    }

    @SuppressWarnings("deprecation") // other control planes still send the deprecated append flag
    private static Boolean isAppendOrOverwrite(HeaderValueOption o, Errors errors, String where) {
        if (o.hasAppend()) {
            // the deprecated flag: true appends, false overwrites
            return o.getAppend().getValue();
        }
        switch (o.getAppendAction()) {
            case APPEND_IF_EXISTS_OR_ADD:
                return true;
            case OVERWRITE_IF_EXISTS_OR_ADD:
                return false;
            default:
                errors.add(where, "append_action " + o.getAppendAction() + " is not supported");
                return null;
        }
    }
}
