// Runs an SSO (IAM Identity Center) emulator as its own process, for the demo and manual runs:
//   node --import tsx test/support/sso-emulator-main.ts [--port N]
// Prints one JSON line {"url":"http://127.0.0.1:<port>"} on stdout, then serves until SIGINT/SIGTERM.
// It starts with no entitlements and issues random role credentials; drive it over
// POST /__admin/<verb> (see sso-emulator-client.ts).
import { startSsoEmulator } from './sso-emulator.js';

function parsePort(argv: readonly string[]): number {
  const i = argv.indexOf('--port');
  if (i < 0) return 0;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('usage: sso-emulator-main.ts [--port N]\n');
    process.exit(2);
  }
  return port;
}

const emulator = await startSsoEmulator({ port: parsePort(process.argv.slice(2)), admin: true });
process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
