import { readIfExists } from '../platform/private-files.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';

/** Where a running daemon listens; read by `credd env` without a round trip. */
export interface DaemonInfo {
  pid: number;
  port: number;
  startedAt: string;
  version: string;
  /** The daemon's log file, when it writes one (not under systemd, where the journal has it). */
  logFile?: string;
}

export async function loadDaemonInfo(file: string): Promise<DaemonInfo | undefined> {
  const raw = await readIfExists(file);
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<DaemonInfo>;
    if (typeof v.pid !== 'number' || typeof v.port !== 'number') return undefined;
    return { pid: v.pid, port: v.port, startedAt: String(v.startedAt ?? ''), version: String(v.version ?? ''), ...(typeof v.logFile === 'string' && { logFile: v.logFile }) };
  } catch {
    return undefined;
  }
}

/** Written once the daemon listens; removed when it stops. */
export async function writeDaemonInfo(file: string, info: DaemonInfo): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(info));
}
