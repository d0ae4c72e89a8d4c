package dev.nantian.xds.codec.internal;

/** Tells IP literals from DNS names without resolving anything. */
public final class Addresses {
    private Addresses() {}

    /** True for dotted-quad IPv4 and for IPv6 literals (anything with a colon, as DNS names have none). */
    public static boolean isIpLiteral(String address) {
        if (address.indexOf(':') >= 0) {
            return true;
        }
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
