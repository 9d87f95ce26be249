// Small helpers for end-to-end journeys that drive the built CLI and daemon.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';

/** Parses the `export NAME='value'` lines of `credd env` as `eval` would. */
export function parseExports(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) vars[m[1] ?? ''] = m[2] ?? '';
  return vars;
}

/** "HH:MM" of an ISO time in local time, as the CLI prints times of today. */
export function hhmm(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** One GET with an Authorization header (as an SDK's container provider sends it), or with `headers`. */
export function httpGet(url: string, auth: string | Record<string, string>): Promise<{ status: number; body: string }> {
  const headers = typeof auth === 'string' ? { authorization: auth } : auth;
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The file's text and when it was first seen (or, with `present` false, when it was gone). */
export async function waitForFile(file: string, timeoutMs: number, present = true): Promise<{ text: string; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if ((text !== undefined) === present) return { text: text ?? '', at: Date.now() };
    if (Date.now() > deadline) assert.fail(`${file} ${present ? 'never appeared' : 'was never removed'} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The slowest of five answers from `get` (ms), each of which must be a 200: what "fast" means on
 * this machine right now, for tests whose budget is a multiple of it rather than a wall-clock
 * constant that a loaded 2-core machine breaks.
 */
export async function slowestCachedAnswer(get: () => Promise<{ status: number }>, what: string): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < 5; i += 1) {
    const started = performance.now();
    assert.equal((await get()).status, 200, what);
    slowest = Math.max(slowest, performance.now() - started);
  }
  return slowest;
}
