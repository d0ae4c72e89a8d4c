/** Implementation of the translator. Internal: may change at any time. */
package dev.nantian.k8s.translate.internal;
