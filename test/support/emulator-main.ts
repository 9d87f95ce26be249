// What both emulator mains do: take `--port N`, start with the admin API, print one JSON line
// {"url":"http://127.0.0.1:<port>"} on stdout, and serve until SIGINT/SIGTERM.

export async function serveEmulatorMain(script: string, start: (opts: { port: number; admin: true }) => Promise<{ url: string; close(): Promise<void> }>): Promise<void> {
  const emulator = await start({ port: parsePort(script, process.argv.slice(2)), admin: true });
  process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function parsePort(script: string, argv: readonly string[]): number {
  const i = argv.indexOf('--port');
  if (i < 0) return 0;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`usage: ${script} [--port N]\n`);
    process.exit(2);
  }
  return port;
}
