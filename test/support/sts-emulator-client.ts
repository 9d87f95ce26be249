// Moved to test/shared/ (the benchmark drives the emulator too); this name stays for the tests.
export { connectStsEmulator, type StsEmulatorClient } from '../shared/sts-emulator-client.js';
