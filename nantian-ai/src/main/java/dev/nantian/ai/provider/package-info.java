/**
 * Provider codecs: OpenAI chat completions is the canonical form; {@link dev.nantian.ai.provider.AnthropicCodec} and
 * {@link dev.nantian.ai.provider.OllamaCodec} convert requests, responses, errors and streams to and from it, and
 * {@link dev.nantian.ai.provider.OpenAiCodec} passes OpenAI through while reading usage. Pure functions over Jackson
 * trees and incremental stream converters; no I/O.
 */
package dev.nantian.ai.provider;
