/** Implementation details of the AI gateway (filters, JSON and stream framing helpers); may change at any time. */
package dev.nantian.ai.internal;
