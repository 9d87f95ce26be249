import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createSecretStore } from '../../src/keychain/create-secret-store.js';
import { EncryptedFileStore } from '../../src/keychain/encrypted-file-store.js';
import { OsKeychainStore } from '../../src/keychain/os-keychain-store.js';

describe('createSecretStore', () => {
  const passphrase = async (): Promise<string> => {
    throw new Error('must not be asked while constructing');
  };

  it('builds the OS keychain store without touching it', () => {
    const store = createSecretStore({ kind: 'os', service: 'credd-test', fileDir: '/nonexistent', passphrase });
    assert.ok(store instanceof OsKeychainStore);
  });

  it('builds the encrypted file store without touching the disk', async () => {
    const dir = path.join(os.tmpdir(), `credd-never-created-${process.pid}`);
    const store = createSecretStore({ kind: 'file', fileDir: dir, passphrase });
    assert.ok(store instanceof EncryptedFileStore);
    assert.equal(store.description, `encrypted file (${dir})`);
    await assert.rejects(fs.stat(dir), { code: 'ENOENT' });
  });
});
