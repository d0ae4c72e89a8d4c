/** Watching configuration files and directories for changes, with a settle delay so bursts of edits apply once. */
package dev.nantian.core.watch;
