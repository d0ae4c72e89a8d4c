/**
 * The codec's encoders and decoders, one per resource kind. Internal: may change at any time.
 */
package dev.nantian.xds.codec.internal;
