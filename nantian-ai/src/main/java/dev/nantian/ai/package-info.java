/**
 * The AI gateway: {@link dev.nantian.ai.AiGateway} builds the filter factories for {@code AIService} (an
 * OpenAI-compatible endpoint, chat completions and embeddings, in front of OpenAI, Anthropic and Ollama providers,
 * with fallback across them, per-provider timeouts, PII redaction of requests and (streamed) responses, and GenAI
 * metrics) and {@code TokenPolicy} (token budgets) on the core filter SPI; {@link dev.nantian.ai.AiAttributes} are
 * what they share with other filters and the access log.
 */
package dev.nantian.ai;
