/** Nantian Gateway core: shared types every other module builds on. */
package dev.nantian.core;
