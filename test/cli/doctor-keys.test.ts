/**
 * Issue 14, item 1: `credd doctor`'s per-profile checks learn which keys credd holds from the
 * running daemon, like `credd list`; the CLI opens the store itself only when no daemon runs
 * (on macOS the CLI's node is another keychain identity: a dialog, and a listing that reads
 * every item).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { CliContext } from '../../src/cli/cli-context.js';
import { DaemonNotRunningError, type DaemonClient } from '../../src/cli/daemon-client.js';
import { profileKindChecks } from '../../src/cli/doctor/profile-checks.js';
import type { SecretStore } from '../../src/domain/ports.js';
import { creddPaths } from '../../src/platform/paths.js';
import type { SecretsView } from '../../src/protocol/control-api.js';
import { ROUTES } from '../../src/protocol/routes.js';

describe('credd doctor: which keys credd holds comes from the daemon', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let configFile: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-doctor-keys-'));
    configFile = path.join(dir, 'config');
    const credentials = path.join(dir, 'credentials');
    // The key of "work" is also in ~/.aws/credentials: doctor warns unless credd holds it too.
    await fs.writeFile(configFile, '[profile work]\nregion = us-east-1\n');
    await fs.writeFile(credentials, '[work]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    env = { AWS_SHARED_CREDENTIALS_FILE: credentials };
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  function context(daemon: DaemonClient, store: SecretStore): { ctx: CliContext; opened: () => number } {
    let opened = 0;
    const ctx: CliContext = {
      env,
      paths: creddPaths(path.join(dir, 'home')),
      configFile,
      out: new PassThrough(),
      err: new PassThrough(),
      prompt: { interactive: false, ask: () => Promise.reject(new Error('no prompt')) },
      daemon,
      clock: { now: () => Date.now() },
      store: async () => {
        opened++;
        return store;
      },
    };
    return { ctx, opened: () => opened };
  }
  const unreachable: SecretStore = {
    description: 'macOS Keychain',
    get: () => Promise.reject(new Error('the CLI must not read the keychain')),
    set: () => Promise.reject(new Error('the CLI must not write the keychain')),
    delete: () => Promise.reject(new Error('the CLI must not delete from the keychain')),
    list: () => Promise.reject(new Error('the CLI must not list the keychain')),
  };

  it('with a daemon running, the keys come from it and the CLI never opens the store', async () => {
    const asked: string[] = [];
    const daemon: DaemonClient = {
      get: async <T>(route: string) => {
        asked.push(route);
        const view: SecretsView = { store: { description: 'macOS Keychain', needsPassphrase: false, locked: false }, keys: ['work'], sessions: [] };
        return view as T;
      },
      post: () => Promise.reject(new Error('no post expected')),
    };
    const { ctx, opened } = context(daemon, unreachable);
    const results = await profileKindChecks(ctx);
    assert.deepEqual(results.map((r) => r.status), ['ok'], JSON.stringify(results));
    assert.deepEqual(asked, [ROUTES.control.secrets]);
    assert.equal(opened(), 0, 'the CLI opened the store while a daemon runs');
  });

  it('without a daemon, the CLI lists the store itself (names only)', async () => {
    const notRunning = () => Promise.reject(new DaemonNotRunningError(path.join(dir, 'none.sock')));
    const names: SecretStore = { ...unreachable, list: async () => ['key:work'] };
    const { ctx, opened } = context({ get: notRunning, post: notRunning }, names);
    const results = await profileKindChecks(ctx);
    assert.deepEqual(results.map((r) => r.status), ['ok'], JSON.stringify(results));
    assert.equal(opened(), 1);
  });

  it('a profile whose key credd does not hold is still named, with credd import as the fix', async () => {
    const daemon: DaemonClient = {
      get: async <T>() => ({ store: { description: 'macOS Keychain', needsPassphrase: false, locked: false }, keys: [], sessions: [] }) as T,
      post: () => Promise.reject(new Error('no post expected')),
    };
    const { ctx, opened } = context(daemon, unreachable);
    const [result] = await profileKindChecks(ctx);
    assert.equal(result?.status, 'warn');
    assert.match(result?.what ?? '', /^profile work: key of work is only in .*credentials, which credd does not read$/);
    assert.equal(result?.fix, 'credd import work');
    assert.equal(opened(), 0);
  });
});
