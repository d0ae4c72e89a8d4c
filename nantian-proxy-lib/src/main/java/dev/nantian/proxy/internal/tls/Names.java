package dev.nantian.proxy.internal.tls;

import java.net.InetAddress;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** Certificate names and how host names match them (RFC 6125: a {@code *} stands for exactly one left label). */
final class Names {
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    private Names() {}

    /** The DNS names of {@code cert}: its DNS SANs or, when it has none, its subject CN; lower case. */
    static List<String> dnsNames(X509Certificate cert) {
        List<String> out = sans(cert, SAN_DNS);
        if (out.isEmpty()) {
            String cn = commonName(cert);
            if (cn != null) {
                out.add(cn.toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    /** The URI SANs of {@code cert}, as written. */
    static List<String> uriNames(X509Certificate cert) {
        return sans(cert, SAN_URI);
    }

    /** The IP address SANs of {@code cert}. */
    static List<String> ipNames(X509Certificate cert) {
        return sans(cert, SAN_IP);
    }

    private static List<String> sans(X509Certificate cert, int type) {
        List<String> out = new ArrayList<>();
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return out;
        }
        if (sans == null) {
            return out;
        }
        for (List<?> san : sans) {
            if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type && san.get(1) instanceof String v) {
                out.add(type == SAN_DNS ? v.toLowerCase(Locale.ROOT) : v);
            }
        }
        return out;
    }

    private static String commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    /**
     * True when {@code host} matches the certificate name {@code pattern}: equal ignoring case, or {@code *.rest}
     * with exactly one label in place of the star. A bare {@code *} matches any name (test certificates use it).
     */
    static boolean matches(String pattern, String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1);
            int dot = host.indexOf('.');
            return dot > 0
                    && host.regionMatches(true, dot, suffix, 0, suffix.length())
                    && host.length() - dot == suffix.length();
        }
        return pattern.equalsIgnoreCase(host);
    }

    /** True when {@code pattern} is an exact name (no wildcard). */
    static boolean isExact(String pattern) {
        return !pattern.startsWith("*");
    }

    /** True when {@code host} is an IP literal; such names are checked against IP SANs, never DNS names. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return !host.isEmpty();
    }

    /** True when the IP SAN {@code san} is the same address as {@code host}. */
    static boolean sameAddress(String san, String host) {
        try {
            // Both are literals, so no lookup happens.
            return InetAddress.getByName(san).equals(InetAddress.getByName(host));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
