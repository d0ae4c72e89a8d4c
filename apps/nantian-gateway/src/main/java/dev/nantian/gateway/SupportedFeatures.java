package dev.nantian.gateway;

import java.util.List;

/**
 * The Gateway API conformance features this gateway declares, in one place. A feature is listed only once the
 * conformance runner passes every test that needs it ({@code ConformanceIT} proves it in every build); the runner
 * reads this list from {@code /api/v1/features} and skips tests of features not listed.
 *
 * <p>GRPCRoute, TCPRoute, TLSRoute (passthrough, terminate and both on one port) and UDPRoute are declared since the
 * runner sends their traffic (gRPC, TCP, TLS, UDP echo backends). Not declared yet: infrastructure propagation and
 * static addresses.
 */
final class SupportedFeatures {
    static final List<String> FEATURES = List.of(
            "Gateway",
            "GatewayPort8080",
            "GatewayHTTPListenerIsolation",
            "GatewayAddressEmpty",
            "GatewayHTTPSListenerDetectMisdirectedRequests",
            "GatewayFrontendClientCertificateValidation",
            "GatewayFrontendClientCertificateValidationInsecureFallback",
            "GatewayBackendClientCertificate",
            "ListenerSet",
            "ReferenceGrant",
            "BackendTLSPolicy",
            "BackendTLSPolicySANValidation",
            "GRPCRoute",
            "GRPCRouteNamedRouteRule",
            "TCPRoute",
            "TLSRoute",
            "TLSRouteModeTerminate",
            "TLSRouteModeMixed",
            "UDPRoute",
            "HTTPRoute",
            "HTTPRoute303RedirectStatusCode",
            "HTTPRoute307RedirectStatusCode",
            "HTTPRoute308RedirectStatusCode",
            "HTTPRouteBackendProtocolH2C",
            "HTTPRouteBackendProtocolWebSocket",
            "HTTPRouteBackendRequestHeaderModification",
            "HTTPRouteBackendTimeout",
            "HTTPRouteCORS",
            "HTTPRouteDestinationPortMatching",
            "HTTPRouteHostRewrite",
            "HTTPRouteMethodMatching",
            "HTTPRouteNamedRouteRule",
            "HTTPRouteParentRefPort",
            "HTTPRoutePathRedirect",
            "HTTPRoutePathRewrite",
            "HTTPRoutePortRedirect",
            "HTTPRouteQueryParamMatching",
            "HTTPRouteRequestMirror",
            "HTTPRouteRequestMultipleMirrors",
            "HTTPRouteRequestPercentageMirror",
            "HTTPRouteRequestTimeout",
            "HTTPRouteResponseHeaderModification",
            "HTTPRouteRetry",
            "HTTPRouteSchemeRedirect");

    private SupportedFeatures() {}
}
