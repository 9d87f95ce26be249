import fs from 'node:fs/promises';
import os from 'node:os';

/** One row of /proc/net/tcp or tcp6: who owns which end of which TCP socket. */
export interface TcpRow {
  local: string;
  remote: string;
  /** Kernel state in hex: 0A = LISTEN, 01 = ESTABLISHED. */
  state: string;
  uid: number;
  inode: string;
}

/** A TCP connection as the server's socket sees it: the client is the remote end. */
export interface Connection {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** The connection a server socket belongs to; undefined once it has no addresses (closed). */
export function connectionOf(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined; localAddress?: string | undefined; localPort?: number | undefined }): Connection | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
  if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) return undefined;
  return { remoteAddress, remotePort, localAddress, localPort };
}

/*
 * How the kernel prints addresses in /proc/net/tcp and tcp6 (net/ipv4/tcp_ipv4.c get_tcp4_sock,
 * net/ipv6/tcp_ipv6.c get_tcp6_sock): each 32-bit word of the address, as stored (network byte
 * order), printed with %08X as a host integer. On a little-endian machine 127.0.0.1 is 0100007F.
 */
const LITTLE_ENDIAN = os.endianness() === 'LE';

function hexWord(bytes: readonly number[]): string {
  return (LITTLE_ENDIAN ? [...bytes].reverse() : bytes).map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** An IPv4 address (plain or IPv4-mapped IPv6) as one /proc word; undefined for anything else. */
function hexV4(address: string): string | undefined {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(address);
  if (!m) return undefined;
  const bytes = m.slice(1, 5).map(Number);
  return bytes.every((b) => b <= 255) ? hexWord(bytes) : undefined;
}

/** ::ffff:0:0/96 as the first three words of a tcp6 address. */
const MAPPED_PREFIX = hexWord([0, 0, 0, 0]) + hexWord([0, 0, 0, 0]) + hexWord([0, 0, 0xff, 0xff]);
const IPV4_LOOPBACK = hexWord([127, 0, 0, 1]);
const MAPPED_LOOPBACK = MAPPED_PREFIX + IPV4_LOOPBACK;
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

/** The client end of a connection in the kernel's socket table: who owns it, and its socket inode. */
export interface PeerRow {
  uid: number;
  /** Absent when the kernel shows none (0: the socket is on its way out). */
  inode?: string;
}

function rowIn(text: string, pair: string): PeerRow | undefined {
  const c = columnsOf(text, pair);
  const uid = c?.[6];
  if (uid === undefined || !/^\d+$/.test(uid)) return undefined;
  const inode = c?.[8];
  return { uid: Number(uid), ...(inode !== undefined && /^\d+$/.test(inode) && inode !== '0' && { inode }) };
}

/**
 * The socket inode of the client end of `conn` in one table (the text of /proc/net/tcp, or of
 * tcp6 for a client on an IPv4-mapped socket); undefined when absent.
 */
export function clientInode(table: string, conn: Connection, family: 'v4' | 'v6'): string | undefined {
  const pair = pairs(conn)?.[family === 'v4' ? 0 : 1];
  const inode = pair === undefined ? undefined : columnsOf(table, pair)?.[8];
  return inode !== undefined && /^\d+$/.test(inode) ? inode : undefined;
}

/**
 * The client end's row as "local remote" in /proc/net/tcp and in tcp6, from the connection's
 * own addresses and ports. Both addresses count: any 127.x.y.z can connect to 127.0.0.1, so a
 * client port alone names every connection that uses it from any loopback address.
 */
function pairs(conn: Connection): [string, string] | undefined {
  const client = hexV4(conn.remoteAddress);
  const server = hexV4(conn.localAddress);
  if (client === undefined || server === undefined) return undefined;
  const c = hexPort(conn.remotePort);
  const s = hexPort(conn.localPort);
  return [`${client}:${c} ${server}:${s}`, `${MAPPED_PREFIX}${client}:${c} ${MAPPED_PREFIX}${server}:${s}`];
}

/**
 * The uid owning the client end of `conn`, from the kernel's socket table: one read of a /proc
 * file, no process scan. Undefined when no such row exists.
 */
export async function peerUid(conn: Connection, readFile = readProc): Promise<number | undefined> {
  return (await batchedPeerRow(readFile)(conn))?.uid;
}

/**
 * `peerUid` for a server, with the client socket's inode too (the audit's process lookup starts
 * from it, so the table is read once per connection, not twice): lookups that arrive while the
 * table is being read wait for the next read, which answers all of them at once. A burst of N
 * new connections costs a few reads of the table, not N. The rows are found by text search (no
 * full parse), and tcp6 is read only for a client that connected through an IPv4-mapped IPv6 socket.
 */
export function batchedPeerRow(readFile = readProc): (conn: Connection) => Promise<PeerRow | undefined> {
  let waiting: Array<{ pairs: [string, string]; resolve: (row: PeerRow | undefined) => void }> = [];
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
      let row = rowIn(v4, w.pairs[0]);
      if (row === undefined) {
        v6 ??= await readFile('/proc/net/tcp6').catch(() => '');
        row = rowIn(v6, w.pairs[1]);
      }
      w.resolve(row);
    }
    reading = false;
    void pump();
  };
  return (conn) =>
    new Promise((resolve) => {
      const p = pairs(conn);
      // Not an IPv4 connection: the daemon listens on 127.0.0.1 only, so this cannot be a client of ours.
      if (p === undefined) return resolve(undefined);
      waiting.push({ pairs: p, resolve });
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
