/**
 * The AI gateway: {@link dev.nantian.ai.AiGateway} builds the filter factories for {@code AIService} (an
 * OpenAI-compatible endpoint in front of OpenAI, Anthropic and Ollama providers) and {@code TokenPolicy} (token
 * budgets) on the core filter SPI; {@link dev.nantian.ai.AiAttributes} are what they share with other filters and
 * the access log.
 */
package dev.nantian.ai;
