// Runs an STS emulator as its own process, for the demo and benchmarks:
//   node --import tsx test/support/sts-emulator-main.ts [--port N]
// Prints one JSON line {"url":"http://127.0.0.1:<port>"} on stdout, then serves until SIGINT/SIGTERM.
// It starts empty; drive it over POST /__admin/<verb> (see test/shared/sts-emulator-client.ts).
import { serveEmulatorMain } from './emulator-main.js';
import { startStsEmulator } from './sts-emulator.js';

await serveEmulatorMain('sts-emulator-main.ts', startStsEmulator);
