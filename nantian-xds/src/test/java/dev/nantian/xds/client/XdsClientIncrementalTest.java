package dev.nantian.xds.client;

/** Every {@link XdsClientTest} again, with the client speaking incremental (delta) ADS to the server. */
class XdsClientIncrementalTest extends XdsClientTest {
    @Override
    boolean incremental() {
        return true;
    }
}
