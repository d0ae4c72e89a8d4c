/** Token accounting: usage as providers report it, and jtokkit estimates where they report none. */
package dev.nantian.ai.tokens;
