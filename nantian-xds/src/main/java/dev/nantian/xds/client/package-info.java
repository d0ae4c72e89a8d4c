/**
 * The xDS data-plane client: {@link dev.nantian.xds.client.XdsClient} keeps one ADS stream to a control plane,
 * applies only complete resource sets that decode and that the data plane accepts, and NACKs the rest.
 */
package dev.nantian.xds.client;
