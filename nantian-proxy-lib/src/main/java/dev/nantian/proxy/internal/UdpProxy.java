package dev.nantian.proxy.internal;

import dev.nantian.core.routing.Binding;
import dev.nantian.core.routing.PortRouter;
import dev.nantian.proxy.accesslog.internal.ResponseFlags;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UDP listener (Gateway API UDPRoute). Datagrams from one client address and port form a flow: the flow's first
 * datagram picks a backend by weight and an endpoint, and every later datagram of the flow goes to that endpoint
 * over the flow's own connected socket, whose replies go back to the client from the listening socket. A flow ends
 * after {@link ProxySettings#idleTimeout()} without traffic either way.
 *
 * <p>Bounded: at most {@link #MAX_FLOWS} flows per listener (datagrams of new clients are dropped beyond that) and
 * at most {@link #MAX_QUEUED} datagrams queued per flow while its socket is being set up. Datagrams with no route, or
 * whose pick lands on an invalid backend, are dropped, as UDP has no way to refuse.
 *
 * <p>A flow leases its endpoint for its whole life (least request counts open flows; a consistent-hash cluster hashes
 * the client's IP). Its first reply reports the endpoint healthy to outlier detection, an ICMP error before any reply
 * (the socket's exception) reports a connect failure; silence reports nothing, as UDP cannot tell a lost datagram
 * from a dead backend. When the flow ends, its {@link L4Record} (bytes each way, flags) goes to the access log and
 * metrics. Dropped datagrams of clients without a flow are neither logged nor counted: there is no flow to end, and
 * one line per datagram would let a sender flood the log. Per datagram, flows only add to two counters.
 *
 * <p>The listening socket and all its flows run on one event loop, so the flow table needs no locks.
 */
final class UdpProxy extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UdpProxy.class);
    /** Flows per listener. */
    static final int MAX_FLOWS = 16_384;
    /** Datagrams held per flow until its upstream socket is ready. */
    static final int MAX_QUEUED = 64;

    private final ProxyContext proxy;
    private final Binding binding;
    private final ChannelGroup flowChannels;
    private final Map<InetSocketAddress, Flow> flows = new HashMap<>();
    private final long idleNanos;
    private Channel listening;
    private ScheduledFuture<?> sweeper;

    private UdpProxy(ProxyContext proxy, Binding binding, ChannelGroup flowChannels) {
        this.proxy = proxy;
        this.binding = binding;
        this.flowChannels = flowChannels;
        this.idleNanos = proxy.settings().idleTimeout().toNanos();
    }

    /**
     * Binds a UDP listener with reads off; the caller turns {@code AUTO_READ} on once the config serving it is
     * published.
     *
     * @param flowChannels receives every flow's upstream socket, so that draining the listener closes them
     */
    static ChannelFuture bind(
            EventLoopGroup group, Transport transport, ProxyContext proxy, Binding binding, ChannelGroup flowChannels) {
        return new Bootstrap()
                .group(group)
                .channel(transport.datagramChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, proxy.settings().allocator())
                .handler(new UdpProxy(proxy, binding, flowChannels))
                .bind(binding.address(), binding.port());
    }

    /** The number of active flows; for tests. Runs on the listener's event loop. */
    int flowCount() {
        return flows.size();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        listening = ctx.channel();
        if (idleNanos > 0) {
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(100), idleNanos / 4);
            sweeper = ctx.executor().scheduleAtFixedRate(this::expire, period, period, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            InetSocketAddress client = packet.sender();
            Flow flow = flows.get(client);
            if (flow == null) {
                flow = open(ctx, client);
                if (flow == null) {
                    return;
                }
            }
            flow.send(packet.content().retain());
        } finally {
            packet.release();
        }
    }

    private Flow open(ChannelHandlerContext ctx, InetSocketAddress client) {
        CompiledConfig config = proxy.config();
        PortRouter router = config.portRouter(binding);
        L4Targets targets = router instanceof PortRouter.Udp udp
                ? udp.route().map(config::l4).orElse(null)
                : null;
        if (flows.size() >= MAX_FLOWS) {
            log.debug("UDP listener {} has {} flows; dropping a datagram from {}", binding, flows.size(), client);
            return null;
        }
        L4Record record = targets == null ? null : targets.openOrNull(L4Record.UDP, client);
        if (record == null) {
            log.debug("UDP datagram from {} on {} has no usable backend; dropped", client, binding);
            return null;
        }
        EndpointKey endpoint = record.endpoint();
        record.upstream = endpoint;
        Flow flow = new Flow(client, record);
        flows.put(client, flow);
        ChannelFuture f = new Bootstrap()
                .group(ctx.channel().eventLoop())
                .channel(proxy.pools().transport().datagramChannel())
                .option(ChannelOption.ALLOCATOR, proxy.settings().allocator())
                .handler(new Replies(flow))
                .connect(new InetSocketAddress(endpoint.address(), endpoint.port()));
        flow.upstream = f.channel();
        flowChannels.add(f.channel());
        f.addListener(c -> {
            if (c.isSuccess()) {
                if (!flow.closed) {
                    flow.ready();
                }
            } else {
                log.debug(
                        "UDP flow {} -> {} failed: {}",
                        client,
                        endpoint,
                        c.cause().toString());
                flow.connectFailed();
                flow.close();
            }
        });
        return flow;
    }

    private void expire() {
        long now = System.nanoTime();
        for (Iterator<Flow> it = flows.values().iterator(); it.hasNext(); ) {
            Flow f = it.next();
            if (now - f.lastActive >= idleNanos) {
                it.remove();
                f.closeChannel();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        for (Flow f : flows.values()) {
            f.closeChannel();
        }
        flows.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A datagram socket keeps serving after a failed send or an ICMP error.
        log.debug("UDP listener {} error: {}", binding, cause.toString());
    }

    /** One client's flow. */
    private final class Flow {
        final InetSocketAddress client;
        final L4Record record;
        final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
        Channel upstream;
        boolean ready;
        boolean closed;
        /** Set by the first reply, which tells outlier detection the endpoint is there. */
        boolean answered;

        long lastActive = System.nanoTime();

        Flow(InetSocketAddress client, L4Record record) {
            this.client = client;
            this.record = record;
        }

        void send(ByteBuf datagram) {
            lastActive = System.nanoTime();
            record.bytesReceived += datagram.readableBytes();
            if (closed) {
                datagram.release();
            } else if (ready) {
                upstream.writeAndFlush(datagram, upstream.voidPromise());
            } else if (queued.size() < MAX_QUEUED) {
                queued.add(datagram);
            } else {
                datagram.release();
            }
        }

        void ready() {
            ready = true;
            ByteBuf b;
            while ((b = queued.poll()) != null) {
                upstream.write(b, upstream.voidPromise());
            }
            upstream.flush();
        }

        void reply(ByteBuf datagram) {
            lastActive = System.nanoTime();
            if (!answered) {
                answered = true;
                record.connected();
            }
            if (listening == null || !listening.isActive()) {
                datagram.release();
                return;
            }
            record.bytesSent += datagram.readableBytes();
            listening.writeAndFlush(new DatagramPacket(datagram, client), listening.voidPromise());
        }

        /** The upstream socket could not be set up, or reported an error (ICMP) before any reply. */
        void connectFailed() {
            record.connectFailed();
            proxy.telemetry().upstreamConnectFailed(record.cluster, record.endpoint());
        }

        /** The upstream socket failed: before any reply, the endpoint is not there; after, the flow was cut. */
        void upstreamFailed() {
            if (answered) {
                record.flags |= ResponseFlags.UPSTREAM_RESET;
            } else {
                connectFailed();
            }
        }

        /** Ends the flow and forgets it. */
        void close() {
            flows.remove(client, this);
            closeChannel();
        }

        void closeChannel() {
            if (closed) {
                return;
            }
            closed = true;
            ByteBuf b;
            while ((b = queued.poll()) != null) {
                b.release();
            }
            if (upstream != null) {
                upstream.close();
            }
            if (record.finish()) {
                proxy.telemetry().l4Done(record);
            }
        }
    }

    /** Reads a flow's upstream socket: replies go back to the flow's client. */
    private static final class Replies extends ChannelInboundHandlerAdapter {
        private final Flow flow;

        Replies(Flow flow) {
            this.flow = flow;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket p) {
                flow.reply(p.content().retain());
                p.release();
            } else if (msg instanceof ByteBuf b) {
                flow.reply(b);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            flow.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. ICMP port unreachable on a connected socket: the backend is not there; end the flow.
            log.debug("UDP flow {} upstream error: {}", flow.client, cause.toString());
            flow.upstreamFailed();
            ctx.close();
        }
    }
}
