// The cost of the peer-uid check (issue 13): per connection (one read of the kernel's socket
// table, which grows with the number of open sockets) and per request (keep-alive requests
// reuse the connection's answer). Measured on buildServer with and without the check, over
// real loopback connections, back to back. Alone: npx tsx bench/peer-uid-phase.ts
import http from 'node:http';
import net from 'node:net';
import { silentLogger } from '../src/platform/logger.js';
import { batchedPeerRow, peerUid } from '../src/platform/tcp-table.js';
import { buildServer } from '../src/server/build-server.js';
import { fixedProvider } from '../test/shared/fixed-provider.js';
import { fmtMs, Samples, table } from './stats.js';

export interface PeerUidRow {
  what: string;
  without: { p50: number; p99: number };
  with: { p50: number; p99: number };
}

export interface PeerUidResult {
  /** One table read + parse, ms, with this many extra idle sockets open. */
  lookups: Array<{ openSockets: number; p50: number; p99: number }>;
  rows: PeerUidRow[];
}

const TOKEN = 'b'.repeat(43);

async function serve(check: boolean): Promise<{ port: number; close(): Promise<void> }> {
  const uid = process.getuid?.() ?? 0;
  const app = buildServer({ credentials: fixedProvider('readonly'), token: TOKEN, logger: silentLogger(), port: () => undefined, ...(check && { peerUid: { lookup: batchedPeerRow(), allowedUid: uid } }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: (app.server.address() as net.AddressInfo).port, close: () => app.close() };
}

function get(port: number, agent: http.Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/credentials', headers: { authorization: TOKEN }, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function latency(check: boolean, keepAlive: boolean, n: number): Promise<{ p50: number; p99: number }> {
  const server = await serve(check);
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
  const samples = new Samples();
  try {
    for (let i = 0; i < 50; i++) await get(server.port, agent);
    for (let i = 0; i < n; i++) samples.add(await get(server.port, agent));
  } finally {
    if (agent) agent.destroy();
    await server.close();
  }
  const s = samples.summary();
  return { p50: s.p50, p99: s.p99 };
}

/** Idle loopback sockets, to see how the table read grows with what is open. */
async function openSockets(n: number): Promise<() => void> {
  const server = net.createServer((s) => s.on('error', () => undefined)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as net.AddressInfo).port;
  const socks = await Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((r) => { const s = net.connect(port, '127.0.0.1', () => r(s)); s.on('error', () => undefined); })));
  return () => {
    socks.forEach((s) => s.destroy());
    server.close();
  };
}

export async function peerUidPhase(opts: { requests: number }, log: (line: string) => void = () => undefined): Promise<PeerUidResult> {
  const lookups: PeerUidResult['lookups'] = [];
  for (const extra of [0, 1_000]) {
    const close = await openSockets(extra);
    const s = new Samples();
    try {
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await peerUid({ remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 });
        s.add(performance.now() - t);
      }
    } finally {
      close();
    }
    const { p50, p99 } = s.summary();
    lookups.push({ openSockets: extra, p50, p99 });
    log(`peer uid: one socket-table read with ${extra} extra sockets open: p50 ${fmtMs(p50)}`);
  }
  const rows: PeerUidRow[] = [];
  for (const [what, keepAlive] of [['new connection per request', false], ['keep-alive (uid cached per connection)', true]] as const) {
    const without = await latency(false, keepAlive, opts.requests);
    const withCheck = await latency(true, keepAlive, opts.requests);
    rows.push({ what, without, with: withCheck });
    log(`peer uid: ${what}: ${fmtMs(without.p50)} → ${fmtMs(withCheck.p50)} (p50)`);
  }
  return { lookups, rows };
}

export function peerUidTable(r: PeerUidResult): string {
  const lookups = table(['socket-table read (one per connection)', 'p50', 'p99'], r.lookups.map((l) => [`${l.openSockets} extra sockets open`, fmtMs(l.p50), fmtMs(l.p99)]));
  const requests = table(
    ['ECS request, sequential', 'without check p50 / p99', 'with check p50 / p99'],
    r.rows.map((row) => [row.what, `${fmtMs(row.without.p50)} / ${fmtMs(row.without.p99)}`, `${fmtMs(row.with.p50)} / ${fmtMs(row.with.p99)}`]),
  );
  return `${lookups}\n\n${requests}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await peerUidPhase({ requests: 1_000 }, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${peerUidTable(result)}\n`);
}
