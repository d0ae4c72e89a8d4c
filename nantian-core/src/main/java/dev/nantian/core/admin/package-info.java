/**
 * A small admin HTTP endpoint on the JDK's built-in server, shared by the control plane, the data plane and the
 * standalone gateway: JSON handlers, health and readiness, optional TLS and bearer-token authentication.
 */
package dev.nantian.core.admin;
