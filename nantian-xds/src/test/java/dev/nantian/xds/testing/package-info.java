/** Test support shared by the xDS server and client tests. */
package dev.nantian.xds.testing;
