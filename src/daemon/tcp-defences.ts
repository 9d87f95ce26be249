import fs from 'node:fs';
import { CreddError } from '../domain/errors.js';
import { findPortHolder, type PortHolder } from '../platform/peer-process.js';
import { batchedPeerRow, canReadTcpTable } from '../platform/tcp-table.js';
import type { PeerUidCheck } from '../server/peer-guard.js';

export interface TcpDefences {
  /** Present where the kernel tells us each connection's uid (Linux /proc). */
  peerUid?: PeerUidCheck;
  imds: { enabled: boolean; why?: string };
}

/** `--imds` / `--no-imds`, else CREDD_IMDS=on|off, else undefined (the platform decides). */
export function imdsWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean | undefined {
  if (flag !== undefined) return flag;
  const v = env['CREDD_IMDS']?.trim().toLowerCase();
  if (v === 'on' || v === 'true' || v === '1') return true;
  if (v === 'off' || v === 'false' || v === '0') return false;
  return undefined;
}

/**
 * Who may use the TCP endpoints. With a uid lookup every connection from another local user
 * is refused. Without one (macOS) IMDS stays off unless asked for: its session token is free to
 * anyone who can reach 127.0.0.1, whereas the ECS endpoint at least needs the token file.
 */
export async function tcpDefences(imdsFlag: boolean | undefined, env: NodeJS.ProcessEnv): Promise<TcpDefences> {
  const uid = process.getuid?.();
  const peer: PeerUidCheck | undefined = uid !== undefined && process.platform === 'linux' && (await canReadTcpTable()) ? { lookup: batchedPeerRow(), allowedUid: uid } : undefined;
  const wanted = imdsWanted(imdsFlag, env);
  if (wanted === false) return { ...(peer && { peerUid: peer }), imds: { enabled: false, why: 'The IMDS endpoint is turned off in this credd (--no-imds or CREDD_IMDS=off).' } };
  if (wanted === undefined && peer === undefined) {
    return {
      imds: {
        enabled: false,
        why: 'The IMDS endpoint is off: on this system credd cannot tell which local user connects; start the daemon with --imds (or CREDD_IMDS=on) to turn it on.',
      },
    };
  }
  return { ...(peer && { peerUid: peer }), imds: { enabled: true } };
}

export function describeHolder(h: PortHolder | undefined): string {
  if (h === undefined) return 'a process credd cannot see';
  const me = process.getuid?.();
  const user = h.uid === undefined ? undefined : h.uid === me ? `you (uid ${h.uid})` : `ANOTHER USER, uid ${h.uid}${userName(h.uid)}`;
  const proc = h.pid === undefined ? undefined : `pid ${h.pid}${h.command !== undefined ? ` (${h.command.slice(0, 80)})` : ''}`;
  return [user, proc].filter((x) => x !== undefined).join(', ') || 'a process credd cannot see';
}

/** " (name)" from /etc/passwd, when there is one. */
function userName(uid: number): string {
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    const name = line?.split(':')[0];
    return name !== undefined && /^[\w.-]{1,32}$/.test(name) ? ` (${name})` : '';
  } catch {
    return '';
  }
}

/** The port is taken: say by whom, loudly when it is another user (it would receive every SDK's token). */
export async function portInUseError(port: number): Promise<CreddError> {
  const holder = await findPortHolder(port);
  const foreign = holder?.uid !== undefined && holder.uid !== process.getuid?.();
  const who = describeHolder(holder);
  return new CreddError(
    'PortInUse',
    foreign
      ? `Port ${port} on 127.0.0.1 is held by ${who}: programs pointed at credd would send it their token; do not use this port until that is explained (pick another with --port or CREDD_PORT).`
      : `Port ${port} on 127.0.0.1 is already in use by ${who} (another credd with a different CREDD_HOME?); pick another with --port or CREDD_PORT.`,
  );
}
