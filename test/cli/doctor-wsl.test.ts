import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { CliContext } from '../../src/cli/cli-context.js';
import { DaemonNotRunningError } from '../../src/cli/daemon-client.js';
import { keychainCheck } from '../../src/cli/doctor/daemon-checks.js';
import { KeychainError } from '../../src/domain/errors.js';
import type { SecretStore } from '../../src/domain/ports.js';
import { creddPaths } from '../../src/platform/paths.js';

/** No daemon, and a store whose every call fails as the keychain does with no Secret Service. */
function context(env: NodeJS.ProcessEnv): { ctx: CliContext; err: PassThrough } {
  const fail = () => Promise.reject(new KeychainError('No Secret Service is reachable.'));
  const store: SecretStore = { description: 'Secret Service', get: fail, set: fail, delete: fail, list: fail };
  const err = new PassThrough();
  const notRunning = () => Promise.reject(new DaemonNotRunningError('/tmp/none.sock'));
  const ctx: CliContext = {
    env,
    paths: creddPaths('/tmp/credd-doctor-wsl'),
    configFile: '/nonexistent',
    out: new PassThrough(),
    err,
    prompt: { interactive: false, ask: () => Promise.reject(new Error('no prompt')) },
    daemon: { get: notRunning, post: notRunning },
    clock: { now: () => Date.now() },
    store: async () => store,
  };
  return { ctx, err };
}

describe('credd doctor on WSL (issue 14)', () => {
  it('on WSL without a Secret Service the fix is the file store and credd unlock', async () => {
    const r = await keychainCheck(context({}).ctx, true);
    assert.equal(r.status, 'fail');
    assert.equal(r.fix, 'CREDD_STORE=file, then: credd unlock');
  });

  it('elsewhere the fix stays the general one', async () => {
    const r = await keychainCheck(context({}).ctx, false);
    assert.equal(r.status, 'fail');
    assert.match(r.fix ?? '', /^unlock or start your keychain/);
  });
});
