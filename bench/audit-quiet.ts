// credd appends one audit line per credential response, after the response, from a queue.
// Under a flood the queue falls behind; this waits until the daemon has caught up.
import fs from 'node:fs/promises';
import path from 'node:path';

async function signature(home: string): Promise<string> {
  const parts = await Promise.all(['audit.log', 'audit.log.1'].map((f) => fs.stat(path.join(home, f)).then((s) => `${s.size}@${s.mtimeMs}`, () => '-')));
  return parts.join(' ');
}

/** Waits until the audit log has not changed for `quietMs` (at most `maxMs`); returns seconds until its last change. */
export async function waitForAuditQuiet(home: string, quietMs: number, maxMs: number): Promise<number> {
  const started = Date.now();
  let last = await signature(home);
  let lastChange = started;
  while (Date.now() - started < maxMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await signature(home);
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= quietMs) break;
  }
  return (lastChange - started) / 1000;
}
