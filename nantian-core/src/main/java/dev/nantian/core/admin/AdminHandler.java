package dev.nantian.core.admin;

/**
 * Answers one admin path. Runs on the admin server's own executor thread, never on a data-plane event loop, so it
 * may take locks or read snapshots freely; it must not block for long.
 */
@FunctionalInterface
public interface AdminHandler {

    /**
     * Handles a request.
     *
     * @param request the method, path and query
     * @return the response
     */
    AdminResponse handle(AdminRequest request);
}
