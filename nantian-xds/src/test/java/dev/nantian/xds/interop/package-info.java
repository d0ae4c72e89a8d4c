/** Interoperability tests: xDS implementations we did not write (grpc-java's proxyless client) against our server. */
package dev.nantian.xds.interop;
