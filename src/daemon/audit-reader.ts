import { readTail } from '../platform/read-tail.js';
import { auditEntry } from './audit-entry.js';
import type { AuditEntry } from './audit-log.js';

/** How much of each file is read back, however large it was made. */
const MAX_READ = 8 * 1024 * 1024;

/**
 * The newest `limit` entries, oldest first, from the log and its rotated predecessor. Lines
 * that are not entries credd wrote (torn by a crash, forged, garbled) are skipped and counted
 * for `skipped`; only each file's last few MiB are read.
 */
export async function readAudit(file: string, limit: number, skipped?: (count: number) => void): Promise<AuditEntry[]> {
  const texts = await Promise.all([`${file}.1`, file].map((f) => readTail(f, MAX_READ)));
  const entries: AuditEntry[] = [];
  let bad = 0;
  for (const line of texts.join('').split('\n')) {
    if (line.trim() === '') continue;
    const entry = auditEntry(line);
    if (entry) entries.push(entry);
    else bad++;
  }
  if (bad > 0) skipped?.(bad);
  return entries.slice(-limit);
}
