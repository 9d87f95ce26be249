// Runs an STS emulator as its own process, for the demo and benchmarks:
//   node --import tsx test/support/sts-emulator-main.ts [--port N]
// Prints one JSON line {"url":"http://127.0.0.1:<port>"} on stdout, then serves until SIGINT/SIGTERM.
// It starts empty; drive it over POST /__admin/<verb> (see sts-emulator-client.ts).
import { startStsEmulator } from './sts-emulator.js';

function parsePort(argv: readonly string[]): number {
  const i = argv.indexOf('--port');
  if (i < 0) return 0;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('usage: sts-emulator-main.ts [--port N]\n');
    process.exit(2);
  }
  return port;
}

const emulator = await startStsEmulator({ port: parsePort(process.argv.slice(2)), admin: true });
process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
