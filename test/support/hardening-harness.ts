// Shared parts of test/hardening: one STS emulator + sandbox + real daemon over TCP, raw-socket
// and http.request clients that never throw on odd answers, a seeded PRNG, and /proc readers.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { sandbox, type Sandbox } from './cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from './daemon-process.js';
import { startStsEmulator, type EmulatedRole, type EmulatedUser, type StsEmulator } from './sts-emulator.js';

export interface Creds { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string }

export interface Harness {
  sts: StsEmulator;
  alice: EmulatedUser;
  roles: Record<'ro' | 'admin', EmulatedRole>;
  box: Sandbox;
  daemon: DaemonProcess;
  token: string;
  port: number;
  controlSocket: string;
  /** Issued by a valid GET /v1/credentials after `credd switch readonly`. */
  creds: Creds;
  /** Stops the daemon and starts a new one (new port) on the same state dir, with `env`. */
  restart(env?: Record<string, string>): Promise<DaemonProcess>;
  close(): Promise<void>;
}

/** alice's key in the keychain; `readonly`/`admin` roles from it; `pinNN` profiles for cold bursts. */
export async function startHarness(opts: { switchTo?: string | false; extraEnv?: Record<string, string>; extraConfig?: string } = {}): Promise<Harness> {
  // A setup that fails half-way (keychain locked, STS refusing) stops what it had started, so
  // the test file reports the failure and exits instead of hanging on an open server.
  const undo: Array<() => Promise<unknown>> = [];
  try {
    const sts = await startStsEmulator();
    undo.push(() => sts.close());
    const alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
    const pins = Array.from({ length: 6 }, (_, i) => `[profile pin${i}]\nsource_profile = base\nrole_arn = ${ro.arn}\n`);
    const box = await sandbox({
      stsUrl: sts.url,
      config: [
        '[profile base]\nregion = us-east-1\n',
        `[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n`,
        `[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`,
        ...pins,
        opts.extraConfig ?? '',
      ].join('\n'),
      ...(opts.extraEnv && { extraEnv: opts.extraEnv }),
    });
    undo.unshift(() => box.cleanup());
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
    const daemon = await startDaemonProcess(box.env);
    undo.unshift(() => stopDaemon(daemon));
    const token = (await fs.readFile(path.join(box.home, 'token'), 'utf8')).trim();
    let creds = { AccessKeyId: '', SecretAccessKey: '', Token: '', Expiration: '' };
    if (opts.switchTo !== false) {
      const sw = await box.credd(['switch', opts.switchTo ?? 'readonly']);
      assert.equal(sw.code, 0, sw.stderr);
      const res = await request({ port: daemon.port, path: '/v1/credentials', headers: { authorization: token } });
      assert.equal(res.status, 200, res.body);
      creds = JSON.parse(res.body) as Creds;
    }
    const harness: Harness = {
      sts, alice, roles: { ro, admin }, box, daemon, token, creds,
      port: daemon.port,
      controlSocket: path.join(box.home, 'control.sock'),
      restart: async (env = box.env) => {
        await stopDaemon(harness.daemon);
        harness.daemon = await startDaemonProcess(env);
        harness.port = harness.daemon.port;
        return harness.daemon;
      },
      close: async () => {
        await stopDaemon(harness.daemon);
        await box.cleanup();
        await sts.close();
      },
    };
    return harness;
  } catch (err) {
    for (const step of undo) await step().catch(() => undefined);
    throw err;
  }
}

/** SIGTERM, and SIGKILL if the daemon has not exited 3 s later (a wedged daemon must not hang the suite). */
export async function stopDaemon(daemon: DaemonProcess): Promise<'exited' | 'killed'> {
  const outcome = await Promise.race([daemon.stop('SIGTERM').then(() => 'exited' as const), new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 3_000).unref())]);
  if (outcome === 'exited') return outcome;
  await daemon.stop('SIGKILL');
  return 'killed';
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number; error?: string }

/** http.request that resolves on any outcome (status 0 + error on a cut connection). */
export function request(o: {
  port?: number; socketPath?: string; method?: string; path: string; headers?: Record<string, string | string[]>;
  body?: string | Buffer; agent?: http.Agent | false; timeoutMs?: number; setHost?: boolean;
}): Promise<Reply> {
  const started = performance.now();
  const headers = { ...o.headers };
  // Node sends a GET/DELETE/OPTIONS body unframed unless told its length.
  const framed = Object.keys(headers).some((k) => /^(content-length|transfer-encoding)$/i.test(k));
  if (o.body !== undefined && !framed) headers['content-length'] = String(Buffer.byteLength(o.body));
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<Reply, 'ms'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...r, ms: performance.now() - started });
    };
    const req = http.request(
      {
        ...(o.socketPath !== undefined ? { socketPath: o.socketPath } : { host: '127.0.0.1', port: o.port }),
        method: o.method ?? 'GET', path: o.path, headers,
        agent: o.agent ?? false,
        ...(o.setHost !== undefined && { setHost: o.setHost }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), error: e.message }));
      },
    );
    req.on('error', (e) => done({ status: 0, headers: {}, body: '', error: e.message }));
    req.setTimeout(o.timeoutMs ?? 5_000, () => req.destroy(new Error('client timeout')));
    req.end(o.body);
  });
}

export interface RawReply { raw: string; status: number; closed: boolean; ms: number }

/** Writes bytes on a fresh TCP or unix socket; collects what comes back until close or timeout. */
export function rawRequest(target: { port?: number; socketPath?: string }, data: string | Buffer, timeoutMs = 3_000): Promise<RawReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sock = target.socketPath !== undefined ? net.connect(target.socketPath) : net.connect(target.port ?? 0, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ raw, status: m ? Number(m[1]) : 0, closed, ms: performance.now() - started });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      // One complete answer is enough: stop at the end of a Content-Length body.
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head));
      if (head !== -1 && len && text.length >= head + 4 + Number(len[1])) finish();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.write(data);
  });
}

/** Secrets that must never show up in a body or a log. */
export function assertNoSecrets(text: string, secrets: readonly string[], where: string): void {
  for (const s of secrets) if (s.length >= 8) assert.ok(!text.includes(s), `a secret (${s.length} chars) appeared in ${where}`);
}

/** No credential of any kind in a refused request's answer. */
export function assertNoCredential(text: string, where: string): void {
  assert.ok(!text.includes('ASIA') && !text.includes('SecretAccessKey'), `credential material in ${where}: ${text.split('\r\n')[0]?.slice(0, 60) ?? ''}…`);
}

/** mulberry32: small, fast, reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resident set size of a process, in kB, from /proc/<pid>/status. */
export async function rssKb(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await fs.readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

/** The one percentile rule (nearest rank), shared with the benchmark. */
export { percentile } from '../shared/percentile.js';

/** The daemon's own view (control socket). */
export async function daemonStatus(h: Harness): Promise<{ activeProfile: string | null; profiles: Array<{ name: string; refreshing: boolean; freshness?: string; lastError?: { code: string } }>; stats: Record<string, number> }> {
  const r = await request({ socketPath: h.controlSocket, path: '/v1/status' });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Awaited<ReturnType<typeof daemonStatus>>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
