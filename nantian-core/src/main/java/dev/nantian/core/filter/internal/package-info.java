/**
 * Implementation of the filter SPI: the chain executor and default value types. Not API: may change at any time.
 */
package dev.nantian.core.filter.internal;
