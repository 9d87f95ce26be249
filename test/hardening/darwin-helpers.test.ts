// Issue 13: the macOS code paths (lsof for the audit's peer process and the port-squat warning)
// run here on Linux with platform 'darwin' injected and a fake `lsof` first on PATH. One fake
// runs the real lsof, so the parser meets lsof's real -F0 output by construction; the others
// print hostile or broken output, or hang. None may crash, hang or forge an answer.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net, { type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../src/daemon/audit-log.js';
import { describeHolder } from '../../src/daemon/tcp-defences.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { HelperOptions } from '../../src/platform/lsof.js';
import { checkPortHolder, findPeerProcess, findPortHolder } from '../../src/platform/peer-process.js';
import { terminalText } from '../../src/platform/terminal-text.js';
import { CREDD_BIN, cleanEnv, run } from '../support/cli-harness.js';

const REAL_LSOF = spawnSync('sh', ['-c', 'command -v lsof']).stdout.toString().trim();
const NO_LSOF = REAL_LSOF === '' ? 'lsof is not installed here (apt-get install lsof)' : false;
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('macOS helpers (lsof) on Linux', () => {
  let dir: string;
  let server: net.Server;
  let port: number;
  const accepted: Socket[] = [];
  const rejections: unknown[] = [];
  const onRejection = (r: unknown): void => void rejections.push(r);

  /** A connection from 127.0.0.1:`clientPort` to our listener. */
  const at = (clientPort: number) => ({ remoteAddress: '127.0.0.1', remotePort: clientPort, localAddress: '127.0.0.1', localPort: port });

  /** A directory whose `lsof` runs `script` (sh); its PATH also has the usual tools. */
  async function fake(name: string, script: string): Promise<HelperOptions> {
    const bin = path.join(dir, name);
    await fs.mkdir(bin);
    await fs.writeFile(path.join(bin, 'lsof'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    // 30 s, not the daemon's 2 s: the real lsof scans every process, and a loaded machine can
    // take longer than 2 s over that. The test of the deadline itself sets its own.
    return { platform: 'darwin', env: { PATH: `${bin}:/usr/bin:/bin` }, deadlineMs: 30_000 };
  }
  /** A fake that prints exactly these bytes. */
  async function printing(name: string, bytes: string | Buffer): Promise<HelperOptions> {
    await fs.writeFile(path.join(dir, `${name}.out`), bytes);
    return fake(name, `cat '${path.join(dir, `${name}.out`)}'`);
  }

  before(async () => {
    process.on('unhandledRejection', onRejection);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-lsof-'));
    server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    for (const s of accepted) s.destroy();
    await new Promise((r) => server.close(r));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('real lsof output: the listener (pid, uid, command) and a client connection\'s owner', { skip: NO_LSOF }, async () => {
    const real = await fake('real', `exec '${REAL_LSOF}' "$@"`);
    const comm = async (pid: number): Promise<string> => (await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    assert.deepEqual(await findPortHolder(port, real), { pid: process.pid, uid: process.getuid?.(), command: await comm(process.pid) });
    assert.deepEqual(await checkPortHolder(port, process.pid, true, real), { ok: true }, 'our own listener is fine');
    const other = await checkPortHolder(port, 1, true, real);
    assert.equal(other.ok, false);
    assert.equal(!other.ok && other.foreignUser, false, 'the same uid is not another user');
    // A client in another process: the connection is listed for both ends, the client is the other pid.
    const child = spawn(process.execPath, ['-e', `require('net').connect(${port}, '127.0.0.1', () => process.stdout.write('up')); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise((r) => child.stdout.once('data', r));
      const conn = accepted.at(-1);
      assert.ok(conn?.remotePort);
      const ends = { remoteAddress: '127.0.0.1', remotePort: conn.remotePort, localAddress: '127.0.0.1', localPort: port };
      assert.deepEqual(await findPeerProcess(ends, real), { pid: child.pid, command: await comm(child.pid ?? 0) });
      assert.deepEqual(await findPeerProcess({ ...ends, remoteAddress: '127.0.0.2' }, real), { command: 'unknown' }, 'lsof is asked for the client\'s own address: the same port from 127.0.0.2 is not this client');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a command name holding a NL cannot forge a process; controls are kept for the printer to escape', async () => {
    const forged = await printing('forged', 'p4242\0cevil\np1\0u0\0\n');
    assert.deepEqual(await findPortHolder(port, forged), { pid: 4242, uid: 0, command: 'evil\np1' });
    // NL-terminated output (an lsof without -F0) is not taken apart line by line.
    assert.equal(await findPortHolder(port, await printing('nl', 'p4242\ncevil\np1\nu0\n')), undefined);
    const osc = await printing('osc', 'p77\0c\u001b]52;c;cm0gLXJm\u0007\u202e\0u501\0\n');
    const holder = await findPortHolder(port, osc);
    assert.equal(holder?.pid, 77);
    assert.doesNotMatch(terminalText(describeHolder(holder)), RAW, 'what credd prints of it is escaped');
  });

  it('missing, malformed, huge or binary output gives "unknown", never a guess', async () => {
    const cases: Array<[string, string | Buffer]> = [
      ['nopid', 'cnode\0u0\0\n'],
      ['badpid', 'pabc\0cnode\0\n'],
      ['zeropid', 'p0\0cnode\0\n'],
      ['bigpid', 'p99999999999\0cnode\0\n'],
      ['negpid', 'p-5\0cnode\0\n'],
      ['empty', ''],
      ['binary', Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 7919) % 256))],
    ];
    for (const [name, bytes] of cases) {
      const opts = await printing(name, bytes);
      assert.deepEqual(await findPeerProcess(at(5), opts), { command: 'unknown' }, name);
      assert.equal(await findPortHolder(port, opts), undefined, name);
      assert.deepEqual(await checkPortHolder(port, 1, true, opts), { ok: true }, `${name}: nothing found is not a squatter`);
    }
    // Only a pid: the command is "unknown", not empty; a bad uid is dropped, not kept as NaN.
    assert.deepEqual(await findPortHolder(port, await printing('bare', 'p4242\0uroot\0\n')), { pid: 4242, command: 'unknown' });
    // Megabytes of output: read up to a cap, then lsof is stopped.
    const huge = await fake('huge', `i=0; while [ $i -lt 4000 ]; do printf 'p%d\\0c%0400d\\0\\n' $((i + 1)) 0; i=$((i + 1)); done`);
    const h = await findPortHolder(port, huge);
    assert.equal(h?.pid, 1);
    assert.equal(h?.command?.length, 300, 'a command name is capped');
    assert.deepEqual(await findPeerProcess(at(5), { platform: 'darwin', env: { PATH: path.join(dir, 'nowhere') } }), { command: 'unknown' }, 'no lsof at all');
  });

  it('a hung lsof (ignoring SIGTERM, its stdout held by a child) is killed at the deadline', async () => {
    const hung = await fake('hung', "trap '' TERM; sleep 15 & sleep 15");
    const started = Date.now();
    const [peer, holder, verdict] = await Promise.all([
      findPeerProcess(at(5), { ...hung, deadlineMs: 300 }),
      findPortHolder(port, { ...hung, deadlineMs: 300 }),
      checkPortHolder(port, 1, true, { ...hung, deadlineMs: 300 }),
    ]);
    assert.deepEqual(peer, { command: 'unknown' });
    assert.equal(holder, undefined);
    assert.deepEqual(verdict, { ok: true });
    assert.ok(Date.now() - started < 12_000, 'answered at the deadline, not when lsof ended (15 s)');
  });

  it('the audit log survives hostile lsof answers and credd audit prints them escaped', async () => {
    const home = path.join(dir, 'home');
    await fs.mkdir(home, { mode: 0o700 });
    const answers = [await printing('a1', 'p4242\0ccurl\n12:00:00  ecs   200  admin  pid 1 forged\u001b[2J\0\n'), await printing('a2', Buffer.from([0xff, 0xfe, 0, 10, 0x70])), await fake('a3', 'kill -9 $$')];
    let i = 0;
    const audit = new AuditLog({ file: path.join(home, 'audit.log'), logger: silentLogger(), lookup: (c) => findPeerProcess(c, answers[i++ % answers.length]) });
    for (let n = 0; n < 6; n++) audit.served({ profile: 'p', endpoint: 'ecs', status: 200, socket: { remoteAddress: '127.0.0.1', remotePort: 1000 + n, localAddress: '127.0.0.1', localPort: port } as unknown as Socket });
    await audit.flush();
    const r = await run(process.execPath, [CREDD_BIN, 'audit'], { env: cleanEnv({ CREDD_HOME: home }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => l !== '').length, 6, r.stdout);
    assert.doesNotMatch(r.stdout + r.stderr, RAW);
    assert.match(r.stdout, /pid 4242 curl\\u000a12:00:00/);
    assert.deepEqual(rejections, [], 'no promise was left rejected');
  });
});
