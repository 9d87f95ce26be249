import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { KeychainError } from '../../src/domain/errors.js';
import { EncryptedFileStore } from '../../src/keychain/encrypted-file-store.js';
import { GuardedStore } from '../../src/keychain/guarded-store.js';
import { IndexedStore } from '../../src/keychain/indexed-store.js';
import { ItemIndex } from '../../src/keychain/item-index.js';
import { DEFAULT_TIMEOUT_MS, OsKeychainStore } from '../../src/keychain/os-keychain-store.js';
import { fakeKeychain, type FakeKeychain } from '../support/fake-keyring-helper.js';

const SERVICE = 'credd-fake';
const isLocked = (code: string) => (err: unknown) => err instanceof KeychainError && err.code === code;

async function macKeychain(fake: FakeKeychain, timeoutMs = 60_000): Promise<{ store: GuardedStore; index: ItemIndex; dir: string; keychain: OsKeychainStore }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-guarded-'));
  const index = new ItemIndex(path.join(dir, 'keychain-items.json'), SERVICE);
  const keychain = new OsKeychainStore({ service: SERVICE, platform: 'darwin', wsl: false, timeoutMs, spawnHelper: fake.spawnHelper });
  return { store: new GuardedStore(new IndexedStore(keychain, index)), index, dir, keychain };
}

describe('the keychain behind a dialog (fake macOS keychain helper)', () => {
  const fakes: FakeKeychain[] = [];
  after(() => Promise.all(fakes.map((f) => f.cleanup())));
  const fake = async (...args: Parameters<typeof fakeKeychain>) => {
    const f = await fakeKeychain(...args);
    fakes.push(f);
    return f;
  };

  it('waits minutes, not seconds, for a person to answer a dialog', () => {
    assert.ok(DEFAULT_TIMEOUT_MS >= 2 * 60_000, `${DEFAULT_TIMEOUT_MS} ms`);
  });

  it('turns a denial into one "locked or access denied" state and never asks again until the user acts', async () => {
    const f = await fake('deny', { [`${SERVICE}/key:base`]: 'SECRET' });
    const { store } = await macKeychain(f);
    await assert.rejects(store.get('key:base'), (err: unknown) => {
      assert.ok(isLocked('KeychainLocked')(err));
      assert.match((err as Error).message, /^Keychain locked or access denied: Access to the macOS Keychain was denied .* credd will not ask the keychain again until you run: credd unlock$/);
      return true;
    });
    assert.equal(store.state.state, 'blocked');
    // A polling SDK: twenty more reads, no more dialogs.
    for (let i = 0; i < 20; i++) await assert.rejects(store.get('key:base'), isLocked('KeychainLocked'));
    await assert.rejects(store.set('key:other', 'x'), isLocked('KeychainLocked'));
    assert.deepEqual(await f.calls(), ['get key:base']);
    // The user clicks "Always Allow" next time; still no retry until they say so.
    await f.setMode('allow');
    await assert.rejects(store.get('key:base'), isLocked('KeychainLocked'));
    store.retry();
    assert.equal(await store.get('key:base'), 'SECRET');
    assert.deepEqual(await f.calls(), ['get key:base', 'get key:base']);
  });

  it('keeps a secret in memory once read: the next reads do not touch the keychain', async () => {
    const f = await fake('allow', { [`${SERVICE}/key:base`]: 'SECRET' });
    const { store } = await macKeychain(f);
    for (let i = 0; i < 5; i++) assert.equal(await store.get('key:base'), 'SECRET');
    assert.deepEqual(await f.calls(), ['get key:base']);
    await store.set('key:base', 'ROTATED');
    assert.equal(await store.get('key:base'), 'ROTATED');
    store.lock();
    await assert.rejects(store.get('key:base'), (err: unknown) => isLocked('StoreLocked')(err) && /run credd unlock/.test((err as Error).message));
    await store.unlock(undefined);
    assert.equal(await store.get('key:base'), 'ROTATED');
    assert.deepEqual(await f.calls(), ['get key:base', 'set key:base', 'get key:base']);
  });

  it('an unanswered dialog: one keychain call at a time, then the same locked state at the deadline', async () => {
    const f = await fake('allow', { [`${SERVICE}/key:a`]: 'A', [`${SERVICE}/key:b`]: 'B' });
    const { store, keychain } = await macKeychain(f, 400);
    // Start the helper first and wait until it listens, so the deadline measures the dialog and
    // not a slow process start (on a loaded machine the start alone outlasts 400 ms, and a call
    // that times out discards its helper: each retry would pay the start again).
    for (let i = 0; ; i++) {
      const started = await f.started();
      keychain.warm();
      for (const until = Date.now() + 30_000; (await f.started()) === started; ) {
        assert.ok(Date.now() < until, 'the fake helper did not start within 30 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      try {
        assert.equal(await store.get('key:none'), undefined);
        break;
      } catch (err) {
        if (i >= 20 || !isLocked('KeychainLocked')(err)) throw err;
        store.retry();
      }
    }
    const before = (await f.calls()).length;
    await f.setMode('dialog');
    const first = store.get('key:a');
    const second = store.get('key:b');
    await assert.rejects(first, (err: unknown) => isLocked('KeychainLocked')(err) && /did not answer within 400 ms/.test((err as Error).message));
    // The second read waited behind the first and never reached the keychain: one dialog, not two.
    await assert.rejects(second, isLocked('KeychainLocked'));
    // At most key:a's one call: a helper the loaded machine schedules only after the 400 ms
    // deadline is killed before it can log the call it was given.
    const calls = (await f.calls()).slice(before);
    assert.ok(calls.length <= 1 && !calls.includes('get key:b'), `keychain calls: ${calls.join(', ')}`);
  });

  it('a dialog the user answers after a while: the waiting read gets its value', async () => {
    const f = await fake('dialog', { [`${SERVICE}/key:a`]: 'A' });
    const { store } = await macKeychain(f);
    const read = store.get('key:a');
    await new Promise((r) => setTimeout(r, 300));
    await f.setMode('allow');
    assert.equal(await read, 'A');
    assert.equal(store.state.state, 'open');
  });
});

describe('the non-secret item index', () => {
  it('lists names without reading any secret, and a denied read never makes a key "missing"', async () => {
    const f = await fakeKeychain('allow', { [`${SERVICE}/key:old`]: 'OLD' });
    try {
      const { store, index } = await macKeychain(f);
      // First list with no index yet: one listing of the keychain, then never again.
      assert.deepEqual(await store.list(), ['key:old']);
      await store.set('key:base', 'B');
      await store.set('session:base', 'S');
      await f.setMode('deny');
      for (let i = 0; i < 3; i++) assert.deepEqual(await store.list(), ['key:base', 'key:old', 'session:base']);
      await assert.rejects(store.get('key:old'), isLocked('KeychainLocked'));
      assert.deepEqual(await index.read(), ['key:base', 'key:old', 'session:base']);
      assert.deepEqual(await f.calls(), ['list ', 'set key:base', 'set session:base', 'get key:old']);
    } finally {
      await f.cleanup();
    }
  });

  it('heals itself: an item gone from the keychain leaves the index on the next read', async () => {
    const f = await fakeKeychain('allow', { [`${SERVICE}/key:gone`]: 'G' });
    try {
      const { store } = await macKeychain(f);
      assert.deepEqual(await store.list(), ['key:gone']);
      await f.writeItems({});
      assert.equal(await store.get('key:gone'), undefined);
      assert.deepEqual(await store.list(), []);
    } finally {
      await f.cleanup();
    }
  });
});

describe('the encrypted file store in the daemon', () => {
  it('starts locked, opens with its passphrase only, and `lock` forgets the key', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-file-lock-'));
    const file = new EncryptedFileStore({ dir, passphrase: async () => 'PASS', scrypt: { N: 1024, r: 8, p: 1 } });
    await file.set('key:base', 'SECRET');
    const locked = new EncryptedFileStore({
      dir,
      passphrase: () => Promise.reject(new KeychainError('The encrypted file store is locked: run credd unlock', { code: 'StoreLocked' })),
    });
    const store = new GuardedStore(locked, { lockable: locked, startLocked: true });
    assert.equal(store.needsPassphrase, true);
    await assert.rejects(store.get('key:base'), (err: unknown) => isLocked('StoreLocked')(err) && /locked: run credd unlock$/.test((err as Error).message));
    assert.deepEqual(await store.list(), ['key:base'], 'names need no passphrase');
    await assert.rejects(store.unlock('WRONG'), /passphrase .* is wrong/);
    assert.equal(store.state.state, 'blocked');
    await store.unlock('PASS');
    assert.equal(await store.get('key:base'), 'SECRET');
    store.lock();
    await assert.rejects(store.get('key:base'), isLocked('StoreLocked'));
    await assert.rejects(store.unlock(undefined), /needs its passphrase/);
    await store.unlock('PASS');
    assert.equal(await store.get('key:base'), 'SECRET');
    await fs.rm(dir, { recursive: true, force: true });
  });
});
