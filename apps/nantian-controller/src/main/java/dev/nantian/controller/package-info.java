/**
 * The controller app (control plane): {@link dev.nantian.controller.ControllerMain} is the command line,
 * {@link dev.nantian.controller.ControlPlane} the runtime (directory source, translator, xDS server, admin API) and
 * {@link dev.nantian.controller.ControllerConfig} its config file.
 */
package dev.nantian.controller;
