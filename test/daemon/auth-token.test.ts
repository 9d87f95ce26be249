// The daemon's auth token file: stable across restarts, private, and repaired when it is not.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadOrCreateToken } from '../../src/daemon/auth-token.js';

describe('loadOrCreateToken', () => {
  let home = '';
  let file = '';
  beforeEach(async () => {
    home = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'credd-token-')), 'home');
    file = path.join(home, 'token');
  });
  afterEach(() => fs.rm(path.dirname(home), { recursive: true, force: true }));

  it('creates a 43-character token in a 0600 file inside a 0700 dir, then keeps it', async () => {
    const first = await loadOrCreateToken(home, file);
    assert.equal(first.recreated, 'missing');
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(home)).mode & 0o777, 0o700);
    const again = await loadOrCreateToken(home, file);
    assert.deepEqual(again, { token: first.token });
  });

  it('an existing token file readable by others (0644) is tightened to 0600, its token kept', async () => {
    const { token } = await loadOrCreateToken(home, file);
    await fs.chmod(file, 0o644);
    const loaded = await loadOrCreateToken(home, file);
    assert.equal(loaded.token, token, 'shells keep working with the same token');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('a corrupt token file is replaced, 0600', async () => {
    await fs.mkdir(home, { recursive: true, mode: 0o700 });
    await fs.writeFile(file, 'not a token\n', { mode: 0o644 });
    const r = await loadOrCreateToken(home, file);
    assert.equal(r.recreated, 'corrupt');
    assert.match(r.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });
});
