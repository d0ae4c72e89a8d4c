/** Certificates for TLS tests on loopback. */
package dev.nantian.testing.tls;
