import fs from 'node:fs/promises';
import type { AuditEntry } from './audit-log.js';

/** The newest `limit` entries, oldest first, from the log and its rotated predecessor. */
export async function readAudit(file: string, limit: number): Promise<AuditEntry[]> {
  const texts = await Promise.all([`${file}.1`, file].map((f) => fs.readFile(f, 'utf8').catch(() => '')));
  const entries: AuditEntry[] = [];
  for (const line of texts.join('').split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // a torn line after a crash: skip it
    }
  }
  return entries.slice(-limit);
}
