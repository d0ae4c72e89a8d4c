/** Makes Netty report buffer leaks while the test that caused them is still the one running. */
package dev.nantian.testing.leak;
