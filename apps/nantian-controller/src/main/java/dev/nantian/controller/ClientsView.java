package dev.nantian.controller;

import dev.nantian.xds.server.ClientState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/clients}: every connected xDS client (one per ADS stream), with the field names of the product
 * docs ({@code error_detail}):
 *
 * <pre>
 * {"served_version": "...", "clients": [{"node_id", "stream_id", "connected_since", "protocol" (sotw or delta),
 *   "types": [{"type_url", "version_sent", "version_acked", "last_nack": {"version", "error_detail", "at"}}],
 *   "last_nack": {...}}]}
 * </pre>
 *
 * <p>The client-level {@code last_nack} is the most recent NACK of any type, so a dashboard need not scan types.
 */
final class ClientsView {
    private ClientsView() {}

    static Map<String, Object> render(String servedVersion, List<ClientState> clients) {
        List<Object> out = new ArrayList<>();
        for (ClientState c : clients) {
            Map<String, Object> client = new LinkedHashMap<>();
            client.put("node_id", c.nodeId());
            client.put("stream_id", c.streamId());
            client.put("connected_since", c.connectedSince().toString());
            client.put("protocol", c.incremental() ? "delta" : "sotw");
            List<Object> types = new ArrayList<>();
            for (ClientState.TypeState t : c.types().values()) {
                Map<String, Object> type = new LinkedHashMap<>();
                type.put("type_url", t.typeUrl());
                type.put("version_sent", t.lastSentVersion().orElse(null));
                type.put("version_acked", t.lastAckedVersion().orElse(null));
                type.put("last_nack", t.lastNack().map(ClientsView::nack).orElse(null));
                types.add(type);
            }
            client.put("types", types);
            Optional<ClientState.Nack> latest = c.types().values().stream()
                    .flatMap(t -> t.lastNack().stream())
                    .max(Comparator.comparing(ClientState.Nack::at));
            client.put("last_nack", latest.map(ClientsView::nack).orElse(null));
            out.add(client);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("served_version", servedVersion);
        doc.put("clients", out);
        return doc;
    }

    private static Map<String, Object> nack(ClientState.Nack n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", n.version());
        m.put("error_detail", n.errorDetail());
        m.put("at", n.at().toString());
        return m;
    }
}
