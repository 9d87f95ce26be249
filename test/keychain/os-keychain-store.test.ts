import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KeychainError } from '../../src/domain/errors.js';
import { OsKeychainStore } from '../../src/keychain/os-keychain-store.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const probe = fileURLToPath(new URL('./fixtures/keychain-probe.ts', import.meta.url));

const NO_SECRET_SERVICE =
  'No Secret Service is reachable (is gnome-keyring or KWallet running and unlocked in this session?). ' +
  'On a headless machine set CREDD_STORE=file to keep keys in an encrypted file instead.';

const onLinux = process.platform === 'linux';
// test/run.sh provides a private bus with an unlocked gnome-keyring; without one there is no
// Secret Service to test against (and we must never touch a developer's real keyring).
const realStoreSkip = !onLinux
  ? 'the Secret Service tests need Linux'
  : !process.env['DBUS_SESSION_BUS_ADDRESS']
    ? 'no D-Bus session (run through test/run.sh)'
    : false;

interface ProbeLine {
  op: string;
  ok: boolean;
  value?: unknown;
  name?: string;
  code?: string;
  message?: string;
  ms?: number;
  ticks?: number;
}

function runProbe(env: Record<string, string>, whileRunning?: (lines: ProbeLine[]) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', probe], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: ProbeLine[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    let nl: number;
    while ((nl = stdout.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(stdout.slice(0, nl)) as ProbeLine);
      stdout = stdout.slice(nl + 1);
      whileRunning?.(lines);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; signal: string | null; lines: ProbeLine[]; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, lines, stderr }));
  });
}

describe('OsKeychainStore against the real Secret Service', { skip: realStoreSkip }, () => {
  const service = `credd-test-${randomUUID()}`;
  const store = new OsKeychainStore({ service });
  const other = new OsKeychainStore({ service: `${service}-other` });

  after(async () => {
    for (const s of [store, other]) for (const item of await s.list()) await s.delete(item);
  });

  it('describes itself as the Secret Service', () => {
    assert.equal(store.description, 'Secret Service (GNOME Keyring/KWallet)');
  });

  it('returns undefined for a missing item and false when deleting it', async () => {
    assert.equal(await store.get('key:nobody'), undefined);
    assert.equal(await store.delete('key:nobody'), false);
  });

  it('sets, gets, overwrites, lists and deletes', async () => {
    await store.set('key:base', '{"v":1}');
    assert.equal(await store.get('key:base'), '{"v":1}');
    await store.set('key:base', '{"v":2}');
    assert.equal(await store.get('key:base'), '{"v":2}');
    await store.set('session:base', 'session');
    assert.deepEqual(await store.list(), ['key:base', 'session:base']);
    assert.equal(await store.delete('key:base'), true);
    assert.equal(await store.get('key:base'), undefined);
    assert.deepEqual(await store.list(), ['session:base']);
    assert.equal(await store.delete('session:base'), true);
    assert.deepEqual(await store.list(), []);
  });

  it('keeps unicode, newlines and long values exactly', async () => {
    const value = `línea 1\nzweite Zeile\r\n\t日本語 🔑 ${'x'.repeat(4000)}\n`;
    await store.set('key:ünïcødé 🔑', value);
    assert.equal(await store.get('key:ünïcødé 🔑'), value);
    assert.deepEqual(await store.list(), ['key:ünïcødé 🔑']);
    assert.equal(await store.delete('key:ünïcødé 🔑'), true);
  });

  it('keeps services apart', async () => {
    await store.set('key:shared-name', 'mine');
    await other.set('key:shared-name', 'theirs');
    assert.equal(await store.get('key:shared-name'), 'mine');
    assert.equal(await other.get('key:shared-name'), 'theirs');
    assert.equal(await other.delete('key:shared-name'), true);
    assert.equal(await store.get('key:shared-name'), 'mine');
    assert.deepEqual(await other.list(), []);
    await store.delete('key:shared-name');
  });

  it('serves concurrent calls', async () => {
    const items = Array.from({ length: 12 }, (_, i) => `key:p${String(i).padStart(2, '0')}`);
    await Promise.all(items.map((item) => store.set(item, `value of ${item}`)));
    const values = await Promise.all(items.map((item) => store.get(item)));
    assert.deepEqual(values, items.map((item) => `value of ${item}`));
    assert.deepEqual(await store.list(), items);
    assert.deepEqual(await Promise.all(items.map((item) => store.delete(item))), items.map(() => true));
  });
});

describe('OsKeychainStore when gnome-keyring crashes mid-call', { skip: realStoreSkip }, () => {
  it('asks once more and gets the answer from the gnome-keyring the bus starts next', { timeout: 120_000 }, async () => {
    // Its own bus and keyring (test/support/dbus, as test/run.sh uses): the suite's keyring is not killed.
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-crash-'));
    const env = { XDG_DATA_HOME: path.join(scratch, 'data'), XDG_RUNTIME_DIR: path.join(scratch, 'run') };
    await fs.mkdir(env.XDG_RUNTIME_DIR, { mode: 0o700 });
    const crash = fileURLToPath(new URL('./fixtures/secret-service-crash.ts', import.meta.url));
    const child = spawn('dbus-run-session', ['--config-file=test/support/dbus/session.conf', '--', process.execPath, '--import', 'tsx', crash], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    await fs.rm(scratch, { recursive: true, force: true });
    assert.equal(code, 0, err);
    const result = JSON.parse(out.trim()) as { value?: string; error?: string; before: number; after: number };
    assert.equal(result.error, undefined, 'the read was answered');
    assert.equal(result.value, 'saved before the crash');
    assert.notEqual(result.after, result.before, 'a fresh gnome-keyring answered');
  });
});

describe('OsKeychainStore without a reachable Secret Service', { skip: onLinux ? false : 'Linux only' }, () => {
  it('fails every operation with a KeychainError that says what to do, without crashing', async () => {
    const missing = path.join(os.tmpdir(), `credd-no-bus-${randomUUID()}`, 'bus');
    const result = await runProbe({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${missing}` });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.lines.map((l) => l.op), ['get', 'set', 'delete', 'list']);
    for (const line of result.lines) {
      assert.equal(line.ok, false, `${line.op} should fail`);
      assert.equal(line.name, 'KeychainError');
      assert.equal(line.code, 'KeychainError');
      assert.equal(line.message, NO_SECRET_SERVICE);
    }
    assert.doesNotMatch(result.stderr + JSON.stringify(result.lines), /probe-secret-value/);
  });

  it('turns a bus that never answers into a timeout error while the event loop keeps running', async () => {
    // A socket that accepts and then says nothing: the addon's synchronous connect would hang
    // forever here, which is exactly what the worker thread and the deadline are for.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-mute-bus-'));
    const socketPath = path.join(dir, 'bus');
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const result = await runProbe({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}`, PROBE_TIMEOUT_MS: '400', PROBE_OPS: 'get' }, (lines) => {
        // Once the answer is out, hang up so the stuck native call returns and the child can exit.
        if (lines.length === 1) {
          for (const s of sockets) s.destroy();
          server.close();
        }
      });
      assert.equal(result.code, 0, result.stderr);
      const [line] = result.lines;
      assert.ok(line);
      assert.equal(line.ok, false);
      assert.equal(line.name, 'KeychainError');
      assert.equal(
        line.message,
        'The Secret Service (GNOME Keyring/KWallet) did not answer within 400 ms while trying to read "key:base" ' +
          '(is an unlock or permission dialog waiting?). Answer the dialog or unlock the keyring, then try again.',
      );
      assert.ok((line.ms ?? 0) >= 390 && (line.ms ?? 0) < 5000, `took ${line.ms} ms`);
      // A 10 ms interval fired throughout: the hang never reached the main thread.
      assert.ok((line.ticks ?? 0) >= 15, `only ${line.ticks} ticks while waiting`);
    } finally {
      server.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('KeychainError from the OS store', () => {
  it('is what a timeout produces even without any keychain', async () => {
    const store = new OsKeychainStore({ service: `credd-test-${randomUUID()}`, timeoutMs: 1 });
    await assert.rejects(store.get('key:x'), (err: unknown) => err instanceof KeychainError && /did not answer within 1 ms/.test(err.message));
  });
});
