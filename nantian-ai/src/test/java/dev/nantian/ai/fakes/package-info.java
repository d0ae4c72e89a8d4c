/**
 * Fake OpenAI, Anthropic and Ollama servers (JDK HttpServer, loopback) written from the providers' API references,
 * streaming included; to move to nantian-testing once other modules need them.
 */
package dev.nantian.ai.fakes;
