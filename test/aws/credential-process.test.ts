// credential_process output and its reuse, with a real helper script (no shell between credd
// and it): long-term output runs the helper at every use, temporary output is kept until
// 15 minutes before its Expiration, concurrent uses share one run, and only Version 1 is read.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CredentialProcess } from '../../src/aws/credential-process.js';
import type { ProcessProfile } from '../../src/domain/profile.js';

const HELPER = `#!/bin/sh
dir=$(dirname "$0")
echo run >> "$dir/runs-$1"
[ "$1" = slow ] && sleep 0.5
cat "$dir/$1.json"
`;
const KEY = { AccessKeyId: 'AKIAEXAMPLEEXAMPLE12', SecretAccessKey: 'not-a-real-secret' };
const MIN = 60_000;

describe('CredentialProcess: when a credential_process helper runs again', () => {
  let dir = '';
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now };
  const profile = (mode: string): ProcessProfile => ({ kind: 'process', name: mode, command: `${path.join(dir, 'helper')} ${mode}`, region: 'us-east-1' });
  const runs = async (mode: string): Promise<number> => (await fs.readFile(path.join(dir, `runs-${mode}`), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length;
  const output = (mode: string, body: object): Promise<void> => fs.writeFile(path.join(dir, `${mode}.json`), JSON.stringify(body));
  const newSource = (): CredentialProcess => new CredentialProcess({ timeoutMs: 10_000, env: { PATH: process.env['PATH'] ?? '' }, clock });

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-process-'));
    await fs.writeFile(path.join(dir, 'helper'), HELPER, { mode: 0o755 });
    const expiration = new Date(now + 60 * MIN).toISOString();
    await output('long', { Version: 1, ...KEY });
    await output('temp', { Version: 1, ...KEY, SessionToken: 'token', Expiration: expiration });
    await output('slow', { Version: 1, ...KEY, SessionToken: 'token', Expiration: expiration });
    await output('v2', { Version: 2, ...KEY });
    await output('stale', { Version: 1, ...KEY, SessionToken: 'token', Expiration: new Date(now - MIN).toISOString() });
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('long-term output (no Expiration) is never kept: each use (each refresh of the role on top) runs the helper', async () => {
    const source = newSource();
    const first = await source.credentials(profile('long'));
    assert.deepEqual(first, { accessKeyId: KEY.AccessKeyId, secretAccessKey: KEY.SecretAccessKey });
    await source.credentials(profile('long'));
    await source.credentials(profile('long'));
    assert.equal(await runs('long'), 3);
  });

  it('temporary output is reused while more than 15 minutes are left, then the helper runs again', async () => {
    const source = newSource();
    const first = await source.credentials(profile('temp'));
    assert.equal(first.sessionToken, 'token');
    now += 44 * MIN; // 16 minutes left
    await source.credentials(profile('temp'));
    assert.equal(await runs('temp'), 1);
    now += 2 * MIN; // 14 minutes left
    await source.credentials(profile('temp'));
    assert.equal(await runs('temp'), 2);
    source.forget('temp');
    await source.credentials(profile('temp'));
    assert.equal(await runs('temp'), 3, 'credd clear forgets the kept output');
    now -= 46 * MIN;
  });

  it('concurrent uses share one run', async () => {
    const source = newSource();
    const all = await Promise.all(Array.from({ length: 5 }, () => source.credentials(profile('slow'))));
    assert.ok(all.every((c) => c.sessionToken === 'token'));
    assert.equal(await runs('slow'), 1);
  });

  it('only Version 1 output with an Expiration in the future is accepted, with one sentence naming the profile and program', async () => {
    const helper = path.join(dir, 'helper');
    await assert.rejects(newSource().credentials(profile('v2')), { message: `Profile "v2": credential_process ${helper} printed Version 2; only Version 1 is understood.` });
    await assert.rejects(newSource().credentials(profile('stale')), { message: `Profile "stale": credential_process ${helper} printed credentials that expired at 2025-12-31T23:59:00.000Z.` });
  });
});
