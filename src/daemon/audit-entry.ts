import { terminalText } from '../platform/terminal-text.js';
import type { AuditEntry } from './audit-log.js';

/** Longer lines are not parsed at all: the daemon writes a few hundred bytes per entry. */
export const MAX_AUDIT_LINE = 16 * 1024;
const MAX_TEXT = 1_000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * One line of the audit file as an entry, or undefined when it is not one the daemon could have
 * written. The file is only as trustworthy as anything running as the user: a line may be torn
 * by a crash or forged. So only the known fields are kept (no extra field reaches `--json`),
 * each of its type and in range, text fields capped and their controls escaped (a forged line
 * cannot smuggle terminal sequences through a consumer of the JSON either).
 */
export function auditEntry(line: string): AuditEntry | undefined {
  if (line.length > MAX_AUDIT_LINE) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const at = r['at'];
  if (typeof at !== 'string' || !ISO.test(at) || Number.isNaN(Date.parse(at))) return undefined;
  const endpoint = r['endpoint'];
  if (endpoint !== 'ecs' && endpoint !== 'imds') return undefined;
  const status = r['status'];
  if (!isInt(status, 0, 999)) return undefined;
  const profile = text(r['profile']);
  const command = text(r['command']);
  if (profile === undefined || command === undefined) return undefined;
  const uid = r['uid'];
  const pid = r['pid'];
  const scope = r['scope'];
  if ((uid !== undefined && !isInt(uid, 0, 2 ** 32 - 1)) || (pid !== undefined && !isInt(pid, 1, 2 ** 32 - 1))) return undefined;
  if (scope !== undefined && text(scope) === undefined) return undefined;
  return {
    at,
    profile,
    endpoint,
    status,
    ...(uid !== undefined && { uid }),
    ...(pid !== undefined && { pid }),
    command,
    ...(scope !== undefined && { scope: text(scope) ?? '' }),
  };
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function text(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = terminalText(v);
  return t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT)}…` : t;
}
