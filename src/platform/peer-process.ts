import fs from 'node:fs/promises';
import { lsofProcesses, type HelperOptions } from './lsof.js';
import { clientInode, listenersOn, type Connection } from './tcp-table.js';

export interface PeerProcess {
  pid?: number;
  command: string;
}

const UNKNOWN: PeerProcess = { command: 'unknown' };

/**
 * Which local process owns the client end of a loopback TCP connection. Best effort and
 * slow (it scans /proc or runs lsof), so callers run it off the request's hot path.
 * Linux: /proc/net/tcp (or tcp6) gives the socket inode, unless `opts.inode` already is the
 * client socket's (read by the peer-uid check from the same connection's row); /proc/PID/fd
 * finds its owner. macOS: lsof.
 */
export async function findPeerProcess(conn: Connection, opts: HelperOptions & { inode?: string } = {}): Promise<PeerProcess> {
  const platform = opts.platform ?? process.platform;
  try {
    if (platform === 'linux') return await viaProc(conn, opts.inode);
    if (platform === 'darwin') return await viaLsof(conn, opts);
  } catch {
    // fall through: the audit says "unknown" rather than failing
  }
  return UNKNOWN;
}

async function viaProc(conn: Connection, known: string | undefined): Promise<PeerProcess> {
  // A client on a dual-stack socket (Java's default) has its row in tcp6, as ::ffff:127.0.0.1.
  const inode = known ?? clientInode(await fs.readFile('/proc/net/tcp', 'utf8'), conn, 'v4') ?? clientInode(await fs.readFile('/proc/net/tcp6', 'utf8').catch(() => ''), conn, 'v6');
  if (inode === undefined || inode === '0') return UNKNOWN;
  return (await ownerOfInode(inode)) ?? UNKNOWN;
}

/**
 * The processes that owned the last few connections: a long-running client (an SDK in a server,
 * an IDE) opens connection after connection, and finding it among the first checked saves reading
 * the fds of every process on the machine each time. A reused pid is harmless: a process counts
 * only if it holds the socket itself.
 */
const recentOwners: number[] = [];
const RECENT_OWNERS = 8;

function remember(pid: number): void {
  const at = recentOwners.indexOf(pid);
  if (at !== -1) recentOwners.splice(at, 1);
  recentOwners.unshift(pid);
  recentOwners.length = Math.min(recentOwners.length, RECENT_OWNERS);
}

/** The process holding socket `inode` open, by scanning /proc/PID/fd (only our own processes unless root). */
async function ownerOfInode(inode: string): Promise<PeerProcess | undefined> {
  const target = `socket:[${inode}]`;
  // The command line is read together with the fds: a one-shot client may be gone a moment later.
  const owns = async (pid: number): Promise<PeerProcess | undefined> => {
    const [command, fds] = await Promise.all([commandLine(pid), fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[])]);
    const links = await Promise.all(fds.map((fd) => fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
    return links.includes(target) ? { pid, command } : undefined;
  };
  const firstOwner = async (pids: number[]): Promise<PeerProcess | undefined> => (await Promise.all(pids.map(owns))).find((p) => p !== undefined);
  // Recent owners first, on their own; then the newest processes (a one-shot client was just
  // started), several at a time: a short-lived client such as curl must be found before it exits.
  const recent = recentOwners.filter((pid) => pid !== process.pid);
  let hit = await firstOwner(recent);
  if (!hit) {
    const pids = (await fs.readdir('/proc'))
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid && !recent.includes(Number(e)))
      .map(Number)
      .sort((a, b) => b - a);
    for (let i = 0; i < pids.length && !hit; i += 16) hit = await firstOwner(pids.slice(i, i + 16));
  }
  if (hit?.pid !== undefined) remember(hit.pid);
  return hit;
}

export interface PortHolder {
  uid?: number;
  pid?: number;
  command?: string;
}

/**
 * Who listens on 127.0.0.1:`port` (another credd, or a squatter). Linux: the socket table gives
 * the uid, a /proc scan the pid when we may see it. macOS: lsof. Undefined when nothing is found.
 */
export async function findPortHolder(port: number, opts: HelperOptions = {}): Promise<PortHolder | undefined> {
  try {
    if ((opts.platform ?? process.platform) === 'darwin') return await listenerViaLsof(port, opts);
    const [row] = await listenersOn(port);
    if (row === undefined) return undefined;
    const owner = row.inode === '0' ? undefined : await ownerOfInode(row.inode);
    return { uid: row.uid, ...(owner?.pid !== undefined && { pid: owner.pid }), ...(owner && { command: owner.command }) };
  } catch {
    return undefined;
  }
}

/** The listener on 127.0.0.1:`port` as lsof sees it: the first process it lists. */
async function listenerViaLsof(port: number, opts: HelperOptions): Promise<PortHolder | undefined> {
  const [p] = (await lsofProcesses(['-nP', `-iTCP@127.0.0.1:${port}`, '-sTCP:LISTEN', '-F0pcu'], opts)) ?? [];
  return p === undefined ? undefined : { pid: p.pid, ...(p.uid !== undefined && { uid: p.uid }), command: p.command ?? 'unknown' };
}

async function commandLine(pid: number): Promise<string> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter((a) => a !== '').join(' ').slice(0, 300) || 'unknown';
}

/**
 * lsof lists both ends of the connection: ours is the daemon's pid, the other is the client. The
 * client's own address is part of the query: another 127.x address may use the same port.
 */
async function viaLsof(conn: Connection, opts: HelperOptions): Promise<PeerProcess> {
  const address = conn.remoteAddress.replace(/^::ffff:/i, '');
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return UNKNOWN;
  const procs = await lsofProcesses(['-nP', `-iTCP@${address}:${conn.remotePort}`, '-sTCP:ESTABLISHED', '-F0pc'], opts);
  const client = procs?.find((p) => p.pid !== process.pid);
  return client === undefined ? UNKNOWN : { pid: client.pid, command: client.command ?? 'unknown' };
}

export type PortVerdict = { ok: true } | { ok: false; holder: PortHolder; foreignUser: boolean };

/**
 * Is 127.0.0.1:`port` held by something other than our own credd (pid `daemonPid`)? Cheap on
 * Linux (one /proc read, one fd listing), so `credd env` can ask at every shell start. A free
 * port is fine (the daemon is just down). Elsewhere only `thorough` callers ask (lsof is slow).
 */
export async function checkPortHolder(port: number, daemonPid: number | undefined, thorough = false, opts: HelperOptions = {}): Promise<PortVerdict> {
  try {
    if ((opts.platform ?? process.platform) !== 'linux') {
      if (!thorough) return { ok: true };
      const h = await listenerViaLsof(port, opts);
      if (h === undefined || (h.pid !== undefined && h.pid === daemonPid)) return { ok: true };
      return { ok: false, holder: h, foreignUser: h.uid !== undefined && h.uid !== process.getuid?.() };
    }
    const rows = await listenersOn(port);
    if (rows.length === 0) return { ok: true };
    const me = process.getuid?.();
    const foreign = rows.find((r) => r.uid !== me);
    if (foreign) return { ok: false, holder: { uid: foreign.uid }, foreignUser: true };
    if (daemonPid !== undefined) {
      const fds = await fs.readdir(`/proc/${daemonPid}/fd`).catch(() => [] as string[]);
      const links = new Set(await Promise.all(fds.map((fd) => fs.readlink(`/proc/${daemonPid}/fd/${fd}`).catch(() => ''))));
      if (rows.every((r) => links.has(`socket:[${r.inode}]`))) return { ok: true };
    }
    const owner = rows[0] && rows[0].inode !== '0' ? await ownerOfInode(rows[0].inode) : undefined;
    return { ok: false, holder: { ...(me !== undefined && { uid: me }), ...(owner?.pid !== undefined && { pid: owner.pid, command: owner.command }) }, foreignUser: false };
  } catch {
    return { ok: true };
  }
}
