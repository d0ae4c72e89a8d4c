/**
 * AI provider fakes for tests: {@link dev.nantian.testing.ai.FakeOpenAi}, {@link dev.nantian.testing.ai.FakeAnthropic}
 * and {@link dev.nantian.testing.ai.FakeOllama} speak the providers' wire formats (streaming and embeddings included)
 * on loopback and can be told to fail (status codes, delays, dropped connections) for fallback tests;
 * {@link dev.nantian.testing.ai.RedisServer} runs a real {@code redis-server} for token-budget tests.
 */
package dev.nantian.testing.ai;
