/** Nantian Gateway core: the exception root shared by every module; see the sub-packages for the model and SPI. */
package dev.nantian.core;
