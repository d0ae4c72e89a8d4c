package dev.nantian.proxy.internal;

import dev.nantian.core.routing.Binding;
import dev.nantian.core.routing.PortRouter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of a connection accepted on a TCP socket according to what the current config serves there:
 * cleartext HTTP ({@link DownstreamInitializer}), TLS dispatched by SNI ({@link SniDispatcher}) or a TCP route
 * ({@link L4Forwarder}). Deciding per connection, not per socket, lets a socket that stays bound change kind with a
 * config swap.
 */
final class ConnectionInitializer extends ChannelInitializer<Channel> {
    private final ProxyContext proxy;
    private final Binding binding;
    private final ChannelGroup connections;
    private final DownstreamInitializer http;

    ConnectionInitializer(ProxyContext proxy, Binding binding, ChannelGroup connections) {
        this.proxy = proxy;
        this.binding = binding;
        this.connections = connections;
        this.http = new DownstreamInitializer(proxy, binding, connections);
    }

    @Override
    protected void initChannel(Channel ch) {
        CompiledConfig config = proxy.config();
        PortRouter router = config.portRouter(binding);
        if (router instanceof PortRouter.Tls) {
            connections.add(ch);
            ch.pipeline().addLast(new SniDispatcher(proxy, binding, http));
        } else if (router instanceof PortRouter.Tcp tcp) {
            connections.add(ch);
            proxy.telemetry().trackConnection(ch);
            L4Targets targets = tcp.route().map(config::l4).orElse(null);
            L4Record record = targets == null
                    ? L4Record.noRoute(L4Record.TCP, ch.remoteAddress())
                    : targets.open(L4Record.TCP, ch.remoteAddress());
            if (record.lease == null) {
                // No route, or the pick landed on an invalid backend's share or an empty cluster: refuse.
                record.finish();
                proxy.telemetry().l4Done(record);
                ch.close();
                return;
            }
            ch.pipeline()
                    .addLast(
                            DownstreamInitializer.IDLE,
                            new IdleStateHandler(
                                    0, 0, proxy.settings().idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                    .addLast(new L4Forwarder(proxy, record, false));
        } else {
            http.initChannel(ch);
        }
    }
}
