// Everything the benchmark runs against, on 127.0.0.1 only: the STS emulator (its own
// process), credd daemons from dist/ with an encrypted-file key store in a throwaway
// directory (no OS keychain), and the bare node:http floor (its own process).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DAEMON_NODE_FLAGS } from '../src/cli/daemon-node-flags.js';
import { cleanEnv, CREDD_BIN, ROOT, run, type RunResult } from '../test/shared/run-process.js';
import { connectStsEmulator, type StsEmulatorClient } from '../test/shared/sts-emulator-client.js';

export const BENCH_DIR = path.join(ROOT, 'bench');

/** Spawns a node process that prints one JSON line when ready; resolves with it. */
async function spawnReady<T>(args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<{ child: ChildProcess; ready: T }> {
  const log = await fs.open(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', log.fd] });
  await log.close();
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start; see ${logFile}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}; see ${logFile}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  lines.on('line', () => undefined); // keep draining
  return { child, ready };
}

export interface Emulator {
  url: string;
  client: StsEmulatorClient;
  pid: number;
  stop(): Promise<void>;
}

export async function startEmulator(dir: string): Promise<Emulator> {
  const { child, ready } = await spawnReady<{ url: string }>(['--import', 'tsx', path.join(ROOT, 'test/support/sts-emulator-main.ts')], cleanEnv(), path.join(dir, 'emulator.log'));
  const client = await connectStsEmulator(ready.url).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  return { url: ready.url, client, pid: child.pid!, stop: () => stopChild(child) };
}

export interface BareServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** The floor: node:http answering the bodies credd answers, with the same headers. */
export async function startBareServer(dir: string, bodies: { ecs: string; imds: string; token: string }, nodeArgs: string[] = []): Promise<BareServer> {
  const file = path.join(dir, 'bare-bodies.json');
  await fs.writeFile(file, JSON.stringify(bodies));
  const { child, ready } = await spawnReady<{ port: number }>([...nodeArgs, path.join(BENCH_DIR, 'bare-server.mjs'), file], cleanEnv(), path.join(dir, 'bare.log'));
  return { port: ready.port, pid: child.pid!, stop: () => stopChild(child) };
}

export type LadderRung = 'fastify' | 'server' | 'lines' | 'audit' | 'peer';

/** One rung of the CPU ladder (bench/ladder-server.mjs), started with the daemon's V8 flags. */
export async function startLadderServer(dir: string, rung: LadderRung, setup: { body: string; token: string }): Promise<BareServer> {
  const file = path.join(dir, 'ladder-setup.json');
  await fs.writeFile(file, JSON.stringify({ ...setup, dir }));
  const { child, ready } = await spawnReady<{ port: number }>([...DAEMON_NODE_FLAGS, path.join(BENCH_DIR, 'ladder-server.mjs'), rung, file], cleanEnv(), path.join(dir, `ladder-${rung}.log`));
  return { port: ready.port, pid: child.pid!, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface Roles {
  user: { accessKeyId: string; secretAccessKey: string };
  /** Profile name → role ARN. */
  roles: Record<string, string>;
}

/** One IAM user and the roles the profiles assume. */
export async function createIdentities(emu: StsEmulatorClient, roleNames: Record<string, string>): Promise<Roles> {
  const alice = await emu.createUser({ userName: 'alice' });
  const roles: Record<string, string> = {};
  for (const [profile, roleName] of Object.entries(roleNames)) {
    roles[profile] = (await emu.createRole({ roleName, trustedPrincipals: [alice.arn] })).arn;
  }
  return { user: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }, roles };
}

export function awsConfig(roles: Record<string, string>): string {
  const parts = ['[profile base]\nregion = us-east-1\n'];
  for (const [profile, arn] of Object.entries(roles)) parts.push(`[profile ${profile}]\nsource_profile = base\nrole_arn = ${arn}\nregion = us-east-1\n`);
  return parts.join('\n');
}

/** `node [nodeArgs] dist/bin/credd.js daemon --port 0`, output to a log file; resolves once daemon.json names it. */
async function startDaemon(env: Record<string, string>, nodeArgs: string[], logFile: string): Promise<{ child: ChildProcess; port: number }> {
  const log = await fs.open(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, CREDD_BIN, 'daemon', '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  const info = path.join(env['CREDD_HOME'] ?? '', 'daemon.json');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const parsed = await fs.readFile(info, 'utf8').then((t) => JSON.parse(t) as { pid: number; port: number }, () => undefined);
    if (parsed !== undefined && parsed.pid === child.pid) return { child, port: parsed.port };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`credd daemon did not start (exit ${child.exitCode}); see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Credd {
  home: string;
  env: Record<string, string>;
  pid: number;
  port: number;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN, from `credd env`. */
  token: string;
  cli(args: string[], extra?: Record<string, string>): Promise<RunResult>;
  stop(): Promise<void>;
}

/**
 * `credd add base --env`, `credd daemon`, reads `credd env`; daemonEnv and nodeArgs reach the daemon only.
 * The daemon runs with the V8 flags `credd daemon --detach` and the launchd/systemd units give it
 * (DAEMON_NODE_FLAGS), on every Node line, as the README tells users to run it; nodeArgs come after
 * them. `uncapped: true` leaves them out (a plain foreground `credd daemon` on Node < 22.15).
 */
export async function startCredd(
  dir: string,
  opts: { name: string; stsUrl: string; configFile: string; user: Roles['user']; daemonEnv?: Record<string, string>; nodeArgs?: string[]; uncapped?: boolean },
): Promise<Credd> {
  const home = path.join(dir, opts.name);
  const env = cleanEnv({
    CREDD_HOME: home,
    AWS_CONFIG_FILE: opts.configFile,
    AWS_ENDPOINT_URL_STS: opts.stsUrl,
    CREDD_STORE: 'file',
    CREDD_FILE_PASSPHRASE: randomBytes(16).toString('hex'),
  });
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<RunResult> => run(process.execPath, [CREDD_BIN, ...args], { env: { ...env, ...extra } });
  const added = await cli(['add', 'base', '--env'], { AWS_ACCESS_KEY_ID: opts.user.accessKeyId, AWS_SECRET_ACCESS_KEY: opts.user.secretAccessKey });
  if (added.code !== 0) throw new Error(`credd add failed: ${added.stderr}`);
  const nodeArgs = [...(opts.uncapped === true ? [] : DAEMON_NODE_FLAGS), ...(opts.nodeArgs ?? [])];
  const daemon = await startDaemon({ ...env, ...opts.daemonEnv }, nodeArgs, path.join(dir, `${opts.name}-daemon.log`));
  const printed = await cli(['env']);
  const token = /^export AWS_CONTAINER_AUTHORIZATION_TOKEN='([^']*)'$/m.exec(printed.stdout)?.[1];
  if (token === undefined) {
    await stopChild(daemon.child);
    throw new Error(`credd env printed no token: ${printed.stdout}${printed.stderr}`);
  }
  return { home, env, pid: daemon.child.pid!, port: daemon.port, token, cli, stop: () => stopChild(daemon.child) };
}

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** A plain node:http request (fetch adds Sec-Fetch-Mode, which credd refuses as a browser header). */
export function httpRequest(target: { port: number } | { socketPath: string }, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const where = 'port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath };
    const req = http.request({ ...where, method, path: urlPath, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
