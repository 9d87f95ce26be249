import fs from 'node:fs/promises';

/** One row of /proc/net/tcp or tcp6: who owns which end of which TCP socket. */
export interface TcpRow {
  local: string;
  remote: string;
  /** Kernel state in hex: 0A = LISTEN, 01 = ESTABLISHED. */
  state: string;
  uid: number;
  inode: string;
}

const IPV4_LOOPBACK = '0100007F';
/** ::ffff:127.0.0.1 as /proc/net/tcp6 writes it (four little-endian 32-bit words). */
const MAPPED_LOOPBACK = '0000000000000000FFFF00000100007F';
const IPV4_ANY = '00000000';
const IPV6_ANY = '00000000000000000000000000000000';

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** The rows of /proc/net/tcp (IPv4) then tcp6 whose columns satisfy `match`; [] where /proc is absent. */
async function scan(match: (row: TcpRow) => boolean, readFile: (f: string) => Promise<string>, firstOnly: boolean): Promise<TcpRow[]> {
  const hits: TcpRow[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file).catch(() => '');
    for (const line of text.split('\n')) {
      const c = line.trim().split(/\s+/);
      if (c[1] === undefined || c[2] === undefined || c[3] === undefined || c[7] === undefined || c[9] === undefined || !/^\d+$/.test(c[7])) continue;
      const row: TcpRow = { local: c[1], remote: c[2], state: c[3], uid: Number(c[7]), inode: c[9] };
      if (match(row)) {
        hits.push(row);
        if (firstOnly) return hits;
      }
    }
  }
  return hits;
}

const readProc = (f: string): Promise<string> => fs.readFile(f, 'utf8');

/**
 * The uid owning the client end of a loopback connection to `serverPort`, from the kernel's
 * socket table: one read of a /proc file, no process scan. Undefined when no such row exists.
 */
export async function peerUid(clientPort: number, serverPort: number, readFile = readProc): Promise<number | undefined> {
  const local = new Set([`${IPV4_LOOPBACK}:${hexPort(clientPort)}`, `${MAPPED_LOOPBACK}:${hexPort(clientPort)}`]);
  const remote = new Set([`${IPV4_LOOPBACK}:${hexPort(serverPort)}`, `${MAPPED_LOOPBACK}:${hexPort(serverPort)}`]);
  const [row] = await scan((r) => local.has(r.local) && remote.has(r.remote), readFile, true);
  return row?.uid;
}

/** Whether this system exposes the socket table (Linux with /proc mounted and readable). */
export async function canReadTcpTable(readFile = readProc): Promise<boolean> {
  return readFile('/proc/net/tcp').then(
    (t) => t.startsWith('  sl') || t.includes('local_address'),
    () => false,
  );
}

/** The LISTEN sockets that would receive connections to 127.0.0.1:`port`. */
export async function listenersOn(port: number, readFile = readProc): Promise<TcpRow[]> {
  const p = hexPort(port);
  const names = new Set([IPV4_LOOPBACK, IPV4_ANY, MAPPED_LOOPBACK, IPV6_ANY].map((a) => `${a}:${p}`));
  return scan((r) => r.state === '0A' && names.has(r.local), readFile, false);
}
