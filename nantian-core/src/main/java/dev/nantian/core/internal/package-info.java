/** Implementation helpers of nantian-core; not API, may change at any time. */
package dev.nantian.core.internal;
