/**
 * Rendering of snapshots and backend health for the admin API, and the optional Prometheus bridge. Not API; may
 * change at any time.
 */
package dev.nantian.proxy.admin.internal;
