// A side concern's helper process answering garbage must not take the daemon down: the keychain
// helper's IPC replies are checked before use (a helper is a separate program; a broken build,
// a wrong addon or memory corruption there must cost one call, not the daemon).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { KeyringProcess } from '../../src/keychain/keyring-process.js';

/** A helper that first sends each of `junk`, then answers every request properly. */
function helperSending(junk: string): () => ReturnType<typeof spawn> {
  const source = `
for (const m of ${junk}) process.send(m);
process.on('message', ({ id }) => process.send({ id, ok: true, value: 'fine' }));
process.on('disconnect', () => process.exit(0));`;
  return () => spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
}

describe('keychain helper replies of the wrong shape', () => {
  it('are ignored: no crash, and the next real answer still arrives', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const junk = '[null, 0, "text", [], {}, { id: "1" }, { id: 1 }, { id: 1, ok: "yes" }, { id: 1, ok: true, value: { nested: 1 } }, { id: 1, ok: false, raw: 5 }, { id: 99999, ok: true, value: "for nobody" }]';
    const kp = new KeyringProcess({ timeoutMs: 30_000, spawnHelper: helperSending(junk) });
    try {
      const outcome = await kp.call({ op: 'get', service: 's', item: 'i' } );
      assert.deepEqual(outcome, { ok: true, value: 'fine' });
      assert.deepEqual(uncaught, []);
    } finally {
      kp.close();
      process.off('uncaughtException', onUncaught);
    }
  });
});
