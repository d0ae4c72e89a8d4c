package dev.nantian.k8s.translate.internal;

/** Gateway API condition types and reasons used by the translator. */
final class Reasons {
    private Reasons() {}

    static final String GATEWAY_GROUP = "gateway.networking.k8s.io";

    // condition types
    static final String ACCEPTED = "Accepted";
    static final String PROGRAMMED = "Programmed";
    static final String RESOLVED_REFS = "ResolvedRefs";
    static final String CONFLICTED = "Conflicted";
    static final String SUPPORTED_VERSION = "SupportedVersion";
    static final String PARTIALLY_INVALID = "PartiallyInvalid";
    static final String INSECURE_FRONTEND_VALIDATION_MODE = "InsecureFrontendValidationMode";

    // reasons
    static final String INVALID_PARAMETERS = "InvalidParameters";
    static final String PENDING = "Pending";
    static final String LISTENERS_NOT_VALID = "ListenersNotValid";
    static final String UNSUPPORTED_ADDRESS = "UnsupportedAddress";
    static final String ADDRESS_NOT_ASSIGNED = "AddressNotAssigned";
    static final String ADDRESS_NOT_USABLE = "AddressNotUsable";
    static final String INVALID = "Invalid";
    static final String UNSUPPORTED_PROTOCOL = "UnsupportedProtocol";
    static final String UNSUPPORTED_VALUE = "UnsupportedValue";
    static final String PORT_UNAVAILABLE = "PortUnavailable";
    static final String NO_CONFLICTS = "NoConflicts";
    static final String PROTOCOL_CONFLICT = "ProtocolConflict";
    static final String HOSTNAME_CONFLICT = "HostnameConflict";
    static final String INVALID_ROUTE_KINDS = "InvalidRouteKinds";
    static final String INVALID_CERTIFICATE_REF = "InvalidCertificateRef";
    static final String REF_NOT_PERMITTED = "RefNotPermitted";
    static final String NOT_ALLOWED_BY_LISTENERS = "NotAllowedByListeners";
    static final String NO_MATCHING_LISTENER_HOSTNAME = "NoMatchingListenerHostname";
    static final String NO_MATCHING_PARENT = "NoMatchingParent";
    static final String BACKEND_NOT_FOUND = "BackendNotFound";
    static final String INVALID_KIND = "InvalidKind";
    static final String NOT_ALLOWED = "NotAllowed";
    static final String PARENT_NOT_ACCEPTED = "ParentNotAccepted";
    static final String INVALID_CA_CERTIFICATE_REF = "InvalidCACertificateRef";
    static final String INVALID_CA_CERTIFICATE_KIND = "InvalidCACertificateKind";
    static final String NO_VALID_CA_CERTIFICATE = "NoValidCACertificate";
    static final String INVALID_CLIENT_CERTIFICATE_REF = "InvalidClientCertificateRef";
    static final String CONFIGURATION_CHANGED = "ConfigurationChanged";
    static final String CONFLICTED_REASON = "Conflicted";
    static final String TARGET_NOT_FOUND = "TargetNotFound";
    static final String INVALID_SECRET_REF = "InvalidSecretRef";
    static final String REFS_NOT_RESOLVED = "RefsNotResolved";
}
