// Runs an SSO (IAM Identity Center) emulator as its own process, for the demo and manual runs:
//   node --import tsx test/support/sso-emulator-main.ts [--port N]
// Prints one JSON line {"url":"http://127.0.0.1:<port>"} on stdout, then serves until SIGINT/SIGTERM.
// It starts with no entitlements and issues random role credentials; drive it over
// POST /__admin/<verb> (see sso-emulator-client.ts).
import { serveEmulatorMain } from './emulator-main.js';
import { startSsoEmulator } from './sso-emulator.js';

await serveEmulatorMain('sso-emulator-main.ts', startSsoEmulator);
