// What credd list and doctor say about an `aws login` profile: the AWS CLI's login cache file,
// and whether the running daemon has since heard from the sign-in service that the session ended.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prerequisiteOf } from '../../src/cli/profiles/prerequisites.js';
import type { LoginProfile } from '../../src/domain/profile.js';

const SESSION = 'arn:aws:iam::123456789012:user/alice';
const web: LoginProfile = { kind: 'login', name: 'web', loginSession: SESSION, region: 'us-east-1' };

describe('prerequisites of an aws login profile', () => {
  let dir = '';
  let file = '';
  const check = (loginRefusedAt?: number) =>
    prerequisiteOf(web, { hasKey: () => false, env: { AWS_LOGIN_CACHE_DIRECTORY: dir }, now: Date.now(), ...(loginRefusedAt !== undefined && { loginRefusedAt: (n) => (n === 'web' ? loginRefusedAt : undefined) }) });

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-login-cache-'));
    file = path.join(dir, `${createHash('sha256').update(SESSION).digest('hex')}.json`);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('no cache file: run aws login', async () => {
    assert.deepEqual(await check(), { ok: false, what: 'no aws login session cached for web', fix: 'aws login --profile web' });
  });

  it('a cached session is fine until the daemon finds it ended; a cache written after that (a new aws login) is trusted again', async () => {
    await fs.writeFile(file, JSON.stringify({ accessToken: { expiresAt: '2026-01-01T00:15:00Z' }, refreshToken: 'r' }));
    const written = (await fs.stat(file)).mtimeMs;
    assert.deepEqual(await check(), { ok: true, what: 'aws login session cached (credentials until 2026-01-01T00:15:00Z, refreshed as needed)' });
    assert.deepEqual(await check(written + 1000), { ok: false, what: 'the aws login session of web has ended', fix: 'aws login --profile web' });
    assert.equal((await check(written - 1000))?.ok, true, 'refused before the cache was last written');
  });
});
