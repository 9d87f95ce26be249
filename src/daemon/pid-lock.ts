import fs from 'node:fs/promises';
import net from 'node:net';
import { CreddError } from '../domain/errors.js';
import { processAlive } from '../platform/process-alive.js';

/**
 * One daemon per state dir. The pid file is created exclusively; a leftover one is
 * taken over only when its owner is gone (no answer on the control socket and the pid
 * is dead), so a crash never blocks the next start.
 */
export async function acquirePidLock(pidFile: string, controlSocket: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(pidFile, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        const owner = await readPid(pidFile);
        if (owner === process.pid) await fs.rm(pidFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readPid(pidFile);
    if (await ownerAnswers(controlSocket, owner)) {
      throw new CreddError(
        'AlreadyRunning',
        `A credd daemon is already running for ${pidFile.replace(/\/daemon\.pid$/, '')}${owner ? ` (pid ${owner})` : ''}; stop it with: credd stop`,
      );
    }
    await fs.rm(pidFile, { force: true });
  }
  throw new CreddError('AlreadyRunning', `Could not take the daemon lock ${pidFile}; another daemon is starting.`);
}

/**
 * A daemon that answers on the control socket owns the lock. One whose pid is alive and looks
 * like credd may be starting (pid file written, socket not yet listening): give it 2 s.
 * After that, a silent owner is a reused pid or a hung process, and the lock is taken over.
 */
async function ownerAnswers(controlSocket: string, owner: number | undefined): Promise<boolean> {
  if (await socketAnswers(controlSocket)) return true;
  if (owner === undefined || owner === process.pid || !processAlive(owner) || !(await looksLikeCredd(owner))) return false;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (await socketAnswers(controlSocket)) return true;
  }
  return false;
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const n = Number((await fs.readFile(file, 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** After a reboot the old pid may belong to another program; on Linux we can tell. */
async function looksLikeCredd(pid: number): Promise<boolean> {
  if (process.platform !== 'linux') return true;
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('credd');
  } catch {
    return false;
  }
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(path);
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(500, () => done(false));
  });
}
