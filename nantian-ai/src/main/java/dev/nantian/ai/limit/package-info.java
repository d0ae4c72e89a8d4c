/**
 * TokenPolicy budgets: a {@link dev.nantian.ai.limit.TokenStore} keeps fixed-window counters (in memory or in
 * Redis, both atomic), and the TokenPolicy filter reserves tokens before a request goes out and settles the actual
 * usage when the exchange completes.
 */
package dev.nantian.ai.limit;
