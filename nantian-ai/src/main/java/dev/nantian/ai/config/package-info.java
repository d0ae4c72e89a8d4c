/**
 * Typed, validated forms of the {@code AIService} and {@code TokenPolicy} specs; parsing collects every problem
 * into one {@link dev.nantian.core.ConfigValidationException}.
 */
package dev.nantian.ai.config;
