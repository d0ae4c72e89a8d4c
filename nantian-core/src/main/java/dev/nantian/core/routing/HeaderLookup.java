package dev.nantian.core.routing;

/**
 * Read access to a request's headers for {@link HttpRouter#match}. The proxy implements it over its own header
 * object, so matching never copies headers.
 */
@FunctionalInterface
public interface HeaderLookup {

    /**
     * The first value of the header, or {@code null} when the request does not carry it. Called only for headers that
     * a candidate route conditions on, on the thread that called {@link HttpRouter#match}.
     *
     * @param lowerCaseName the header name, lower-case
     */
    String first(String lowerCaseName);

    /** A lookup for a request without headers. */
    static HeaderLookup none() {
        return name -> null;
    }
}
