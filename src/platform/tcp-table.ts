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

/** The columns from "local remote" on, of the row whose addresses are `pair` ("L R"), by text search (no full parse). */
function columnsOf(text: string, pair: string): string[] | undefined {
  const at = text.indexOf(` ${pair} `);
  if (at === -1) return undefined;
  const end = text.indexOf('\n', at);
  // local remote st tx:rx tr:when retrnsmt uid timeout inode …
  return text.slice(at, end === -1 ? undefined : end).trim().split(/\s+/);
}

function uidIn(text: string, pair: string): number | undefined {
  const uid = columnsOf(text, pair)?.[6];
  return uid !== undefined && /^\d+$/.test(uid) ? Number(uid) : undefined;
}

/** The socket inode of the IPv4 loopback connection 127.0.0.1:clientPort → 127.0.0.1:serverPort; undefined when absent. */
export function loopbackInode(table: string, clientPort: number, serverPort: number): string | undefined {
  const inode = columnsOf(table, pairs(clientPort, serverPort)[0])?.[8];
  return inode !== undefined && /^\d+$/.test(inode) ? inode : undefined;
}

function pairs(clientPort: number, serverPort: number): [string, string] {
  const c = hexPort(clientPort);
  const s = hexPort(serverPort);
  return [`${IPV4_LOOPBACK}:${c} ${IPV4_LOOPBACK}:${s}`, `${MAPPED_LOOPBACK}:${c} ${MAPPED_LOOPBACK}:${s}`];
}

/**
 * The uid owning the client end of a loopback connection to `serverPort`, from the kernel's
 * socket table: one read of a /proc file, no process scan. Undefined when no such row exists.
 */
export async function peerUid(clientPort: number, serverPort: number, readFile = readProc): Promise<number | undefined> {
  return (await batchedPeerUid(readFile)(clientPort, serverPort));
}

/**
 * `peerUid` for a server: lookups that arrive while the table is being read wait for the next
 * read, which answers all of them at once. A burst of N new connections costs a few reads of
 * the table, not N. The rows are found by text search (no full parse), and tcp6 is read only
 * for a client that connected through an IPv4-mapped IPv6 socket.
 */
export function batchedPeerUid(readFile = readProc): (clientPort: number, serverPort: number) => Promise<number | undefined> {
  let waiting: Array<{ pairs: [string, string]; resolve: (uid: number | undefined) => void }> = [];
  let reading = false;
  const pump = async (): Promise<void> => {
    if (reading || waiting.length === 0) return;
    reading = true;
    const batch = waiting;
    waiting = [];
    // Every connection in this batch was accepted before the read starts, so its row is there.
    const v4 = await readFile('/proc/net/tcp').catch(() => '');
    let v6: string | undefined;
    for (const w of batch) {
      let uid = uidIn(v4, w.pairs[0]);
      if (uid === undefined) {
        v6 ??= await readFile('/proc/net/tcp6').catch(() => '');
        uid = uidIn(v6, w.pairs[1]);
      }
      w.resolve(uid);
    }
    reading = false;
    void pump();
  };
  return (clientPort, serverPort) =>
    new Promise((resolve) => {
      waiting.push({ pairs: pairs(clientPort, serverPort), resolve });
      void pump();
    });
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
