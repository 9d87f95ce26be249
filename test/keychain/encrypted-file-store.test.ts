import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KeychainError } from '../../src/domain/errors.js';
import { EncryptedFileStore } from '../../src/keychain/encrypted-file-store.js';
import { checkBigValue } from './fixtures/big-value.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const writer = fileURLToPath(new URL('./fixtures/file-store-writer.ts', import.meta.url));
// Cheap scrypt for speed; one test below runs the real defaults.
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const itemFile = (dir: string, item: string): string => path.join(dir, `${Buffer.from(item).toString('base64url')}.json`);

function isKeychainError(pattern: RegExp | string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof KeychainError, `expected a KeychainError, got ${String(err)}`);
    if (typeof pattern === 'string') assert.equal(err.message, pattern);
    else assert.match(err.message, pattern);
    return true;
  };
}

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await fs.readdir(dir)).sort()) files.set(name, await fs.readFile(path.join(dir, name)));
  return files;
}

describe('EncryptedFileStore', () => {
  let dir: string;
  let asked: number;
  const open = (passphrase = 'correct horse battery staple', scrypt = FAST): EncryptedFileStore =>
    new EncryptedFileStore({
      dir,
      scrypt,
      passphrase: async () => {
        asked++;
        return passphrase;
      },
    });

  beforeEach(async () => {
    dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'credd-file-store-')), 'store');
    asked = 0;
  });
  afterEach(() => fs.rm(path.dirname(dir), { recursive: true, force: true }));

  it('round-trips values and asks for the passphrase once', async () => {
    const store = open();
    assert.equal(store.description, `encrypted file (${dir})`);
    assert.equal(await store.get('key:base'), undefined);
    assert.equal(asked, 0, 'nothing to decrypt, nothing to ask');
    await store.set('key:base', '{"accessKeyId":"AKIA"}');
    await store.set('session:ünï 🔑', 'line 1\nline 2\n');
    assert.equal(await store.get('key:base'), '{"accessKeyId":"AKIA"}');
    assert.equal(await store.get('session:ünï 🔑'), 'line 1\nline 2\n');
    await store.set('key:base', 'overwritten');
    assert.equal(await store.get('key:base'), 'overwritten');
    assert.equal(asked, 1);
    // A second process (a new instance) reads the same files with the same passphrase.
    assert.equal(await open().get('session:ünï 🔑'), 'line 1\nline 2\n');
  });

  it('lists item names and ignores other files', async () => {
    const store = open();
    assert.deepEqual(await store.list(), []);
    await store.set('session:base', 's');
    await store.set('key:base', 'k');
    await fs.writeFile(path.join(dir, '.a3V5.json.0123.tmp'), 'leftover of a crash');
    await fs.writeFile(path.join(dir, 'notes.txt'), 'stray');
    assert.deepEqual(await store.list(), ['key:base', 'session:base']);
  });

  it('deletes, and deleting a missing item is false', async () => {
    const store = open();
    await store.set('key:base', 'k');
    assert.equal(await store.delete('key:base'), true);
    assert.equal(await store.get('key:base'), undefined);
    assert.equal(await store.delete('key:base'), false);
    assert.deepEqual(await store.list(), []);
  });

  it('shares one unlock between concurrent first calls', async () => {
    const store = open();
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.set(`key:k${i}`, `v${i}`)));
    assert.equal(asked, 1);
    assert.equal((await store.list()).length, 8);
  });

  it('reports a wrong passphrase clearly and changes nothing', async () => {
    await open().set('key:base', 'the real secret');
    const before = await snapshot(dir);
    const wrong = open('wrong passphrase');
    const message = `The passphrase for the encrypted file store at ${dir} is wrong; enter the one the store was created with.`;
    await assert.rejects(wrong.get('key:base'), isKeychainError(message));
    await assert.rejects(wrong.set('key:base', 'attacker value'), isKeychainError(message));
    await assert.rejects(wrong.set('key:new', 'attacker value'), isKeychainError(message));
    await assert.rejects(wrong.delete('key:base'), isKeychainError(message));
    assert.deepEqual(await snapshot(dir), before);
    assert.equal(await open().get('key:base'), 'the real secret');
  });

  it('lets the first of two racing creators define the store', async () => {
    const [a, b, c] = [open('same'), open('same'), open('different')];
    const results = await Promise.allSettled([a.set('key:a', 'A'), b.set('key:b', 'B'), c.set('key:c', 'C')]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
    // Either "same" won (a and b succeed, c is told its passphrase is wrong) or "different" did.
    assert.ok(fulfilled === 2 || fulfilled === 1, JSON.stringify(results));
    for (const r of results) if (r.status === 'rejected') isKeychainError(/passphrase .* is wrong/)(r.reason);
    const reader = open(fulfilled === 2 ? 'same' : 'different');
    for (const item of await reader.list()) assert.ok((await reader.get(item)) !== undefined);
  });

  it('explains a damaged or missing store.json', async () => {
    await open().set('key:base', 'x');
    asked = 0;
    const storeFile = path.join(dir, 'store.json');
    await fs.writeFile(storeFile, '{"v":1,"kdf":"scrypt","N":1073741824,"r":8,"p":1,"salt":"","iv":"","tag":"","ct":""}');
    await assert.rejects(open().get('key:base'), isKeychainError(`${storeFile} is damaged or not a credd file store; move ${dir} aside to start a new store.`));
    await fs.rm(storeFile);
    await assert.rejects(open().get('key:base'), isKeychainError(/store\.json is missing, so "key:base" cannot be decrypted/));
    assert.equal(asked, 0, 'no passphrase is asked for a store that cannot be opened');
  });

  it('rejects an empty passphrase for a new store', async () => {
    await assert.rejects(open('').set('key:base', 'x'), isKeychainError(/empty passphrase/));
  });

  it('rejects tampered ciphertext, naming the item but not its value', async () => {
    await open().set('key:base', 'tamper-target-secret');
    const file = itemFile(dir, 'key:base');
    const sealed = JSON.parse(await fs.readFile(file, 'utf8')) as { ct: string };
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[3] = (ct[3] ?? 0) ^ 0x01;
    await fs.writeFile(file, JSON.stringify({ ...sealed, ct: ct.toString('base64') }));
    await assert.rejects(open().get('key:base'), (err: unknown) => {
      isKeychainError(/"key:base" in the encrypted file store at .* failed its integrity check/)(err);
      assert.doesNotMatch((err as Error).message, /tamper-target-secret/);
      return true;
    });
  });

  it('rejects a damaged file with a KeychainError', async () => {
    await open().set('key:base', 'x');
    const file = itemFile(dir, 'key:base');
    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.slice(0, text.length / 2));
    await assert.rejects(open().get('key:base'), isKeychainError(/The file for "key:base" .* is damaged/));
  });

  it('rejects a file copied over another item (the name is authenticated)', async () => {
    const store = open();
    await store.set('key:attacker', 'attacker key');
    await store.set('key:victim', 'victim key');
    await fs.copyFile(itemFile(dir, 'key:attacker'), itemFile(dir, 'key:victim'));
    await assert.rejects(open().get('key:victim'), isKeychainError(/"key:victim" .* failed its integrity check/));
  });

  it('rejects an item encrypted for another store', async () => {
    const otherDir = `${dir}-other`;
    await new EncryptedFileStore({ dir: otherDir, scrypt: FAST, passphrase: async () => 'correct horse battery staple' }).set('key:base', 'x');
    await open().set('key:mine', 'y');
    await fs.copyFile(itemFile(otherDir, 'key:base'), itemFile(dir, 'key:base'));
    await assert.rejects(open().get('key:base'), isKeychainError(/"key:base" .* was encrypted for a different store/));
  });

  it('keeps the directory 0700 and every file 0600', { skip: process.platform === 'win32' }, async () => {
    await fs.mkdir(dir, { mode: 0o755 });
    await fs.chmod(dir, 0o755);
    const store = open();
    await store.set('key:base', 'k');
    await store.set('key:base', 'k2');
    assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
    for (const name of await fs.readdir(dir)) assert.equal((await fs.stat(path.join(dir, name))).mode & 0o777, 0o600, name);
  });

  it('never writes the plaintext to disk', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLAINTEXTKEY';
    const store = open();
    await store.set('key:base', JSON.stringify({ secretAccessKey: secret }));
    await store.set('key:base', JSON.stringify({ secretAccessKey: secret, v: 2 }));
    const needles = [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret, 'utf16le').toString('latin1')];
    for (const [name, bytes] of await snapshot(dir)) {
      for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${name} contains the secret`);
    }
  });

  it('works with the default (slow) scrypt parameters', async () => {
    const store = new EncryptedFileStore({ dir, passphrase: async () => 'pw' });
    await store.set('key:base', 'v');
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'store.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([meta['kdf'], meta['N'], meta['r'], meta['p']], ['scrypt', 2 ** 17, 8, 1]);
    assert.equal(await new EncryptedFileStore({ dir, passphrase: async () => 'pw' }).get('key:base'), 'v');
  });

  it('leaves an old or a new value, never a torn one, when the writer is killed mid-write', async () => {
    const passphrase = 'crash test passphrase';
    const store = new EncryptedFileStore({ dir, scrypt: FAST, passphrase: async () => passphrase });
    const { bigValue } = await import('./fixtures/big-value.js');
    await store.set('key:big', bigValue(0));
    let next = 1;
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer], {
        cwd: root,
        env: { ...process.env, WRITER_DIR: dir, WRITER_PASSPHRASE: passphrase, WRITER_START: String(next) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let lastDone = next - 1;
      let out = '';
      // 'close', not 'exit': it waits for the last completed write to be reported on stdout.
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const lines = out.split('\n').filter(Boolean);
          lastDone = Number(lines[lines.length - 1]);
          // Let a few writes complete, then kill at a moment that varies from round to round.
          if (lines.length >= 3) setTimeout(resolve, round * 5);
        });
      });
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      const value = await new EncryptedFileStore({ dir, passphrase: async () => passphrase }).get('key:big');
      assert.ok(value !== undefined);
      const seq = checkBigValue(value);
      assert.ok(seq >= lastDone && seq <= lastDone + 1, `read seq ${seq}, last completed ${lastDone}`);
      assert.deepEqual(await store.list(), ['key:big']);
      next = lastDone + 2;
    }
  });
});
