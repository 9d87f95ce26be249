// The keychain helper gets one call at a time (gnome-keyring 42 aborts under concurrent
// sessions; macOS would raise a dialog per call), and a Secret Service that vanished mid-call
// is asked once more. Helpers here are small stand-ins speaking the real IPC protocol.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { KeychainError } from '../../src/domain/errors.js';
import { KeyringProcess } from '../../src/keychain/keyring-process.js';
import { OsKeychainStore } from '../../src/keychain/os-keychain-store.js';

const VANISHED = 'Platform failure: DBus error: Message recipient disconnected from message bus without replying';

/** A helper answering after `ms`; each answer says how many calls it was holding when that call came in. */
function countingHelper(ms: number) {
  const source = `
let holding = 0;
process.on('message', ({ id }) => {
  holding++;
  const seen = holding;
  setTimeout(() => { holding--; process.send({ id, ok: true, value: String(seen) }); }, ${ms});
});
process.on('disconnect', () => process.exit(0));`;
  return () => spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
}

/** A helper whose first `failures` calls meet a Secret Service that went away; later ones succeed. Each answer carries the call's number. */
function vanishingHelper(failures: number) {
  const source = `
let n = 0;
process.on('message', ({ id }) => {
  n++;
  if (n <= ${failures}) process.send({ id, ok: false, raw: ${JSON.stringify(VANISHED)} });
  else process.send({ id, ok: true, value: 'value after ' + n + ' calls' });
});
process.on('disconnect', () => process.exit(0));`;
  return () => spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
}

describe('KeyringProcess: one call at a time', () => {
  it('twelve concurrent callers are each answered, the helper never holding two calls', async () => {
    const kp = new KeyringProcess({ timeoutMs: 30_000, spawnHelper: countingHelper(5) });
    try {
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => kp.call({ op: 'get', service: 's', item: `i${i}` })));
      assert.deepEqual(outcomes, Array.from({ length: 12 }, () => ({ ok: true, value: '1' })));
    } finally {
      kp.close();
    }
  });

  it('a deadline runs from when the call reaches the helper: waiting behind others does not use it up', async () => {
    // Each call takes 300 ms; the deadline is 1.5 s; the eighth call waits 2.1 s for its turn.
    const kp = new KeyringProcess({ timeoutMs: 1_500, spawnHelper: countingHelper(300) });
    try {
      // The helper is started and answering first: its start-up (slow on a busy machine) is not what this measures.
      for (let tries = 0; !(await kp.call({ op: 'get', service: 's', item: 'warm' })).ok && tries < 5; tries++);
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => kp.call({ op: 'get', service: 's', item: `i${i}` })));
      assert.deepEqual(outcomes.map((o) => (o.ok ? 'ok' : o.kind)), Array.from({ length: 8 }, () => 'ok'));
    } finally {
      kp.close();
    }
  });

  it('close() fails the calls still waiting for their turn at once', async () => {
    const kp = new KeyringProcess({ timeoutMs: 30_000, spawnHelper: countingHelper(10_000) });
    const calls = Array.from({ length: 3 }, (_, i) => kp.call({ op: 'get', service: 's', item: `i${i}` }));
    kp.close();
    const outcomes = await Promise.all(calls);
    assert.deepEqual(outcomes.map((o) => (o.ok ? 'ok' : o.kind)), ['unavailable', 'unavailable', 'unavailable']);
  });
});

describe('OsKeychainStore: a Secret Service that vanished mid-call', () => {
  it('is asked once more on Linux, and that answer is used', async () => {
    const store = new OsKeychainStore({ service: 's', platform: 'linux', wsl: false, spawnHelper: vanishingHelper(1) });
    assert.equal(await store.get('key:a'), 'value after 2 calls');
  });

  it('twice in a row: one sentence that says what happened and what to do', async () => {
    const store = new OsKeychainStore({ service: 's', platform: 'linux', wsl: false, spawnHelper: vanishingHelper(2) });
    await assert.rejects(store.get('key:a'), (err: unknown) => {
      assert.ok(err instanceof KeychainError);
      assert.equal(
        err.message,
        'The Secret Service stopped while credd was trying to read "key:a", twice (gnome-keyring-daemon can crash this way). ' +
          'Run the command again; a restarted gnome-keyring may ask you to unlock your login keyring first.',
      );
      return true;
    });
  });

  it('is not retried where that text cannot mean a crashed Secret Service (macOS)', async () => {
    const store = new OsKeychainStore({ service: 's', platform: 'darwin', wsl: false, spawnHelper: vanishingHelper(1) });
    await assert.rejects(store.get('key:a'), KeychainError);
  });
});
