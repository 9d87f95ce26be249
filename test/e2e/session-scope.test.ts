import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../support/journey-helpers.js';
import { ONLY_S3, READ_ONLY, S3_READ, scopeWorld, waitForAudit, type ScopeWorld } from '../support/scope-harness.js';

describe('session scopes: credd exec gives a tool less than the role, through its own short-lived token', () => {
  let w: ScopeWorld;
  before(async () => {
    w = await scopeWorld();
  });
  after(async () => {
    await w?.close();
  });

  it('exec --policy-arn --policy: the aws CLI in the child runs on a session issued with exactly those policies; its token opens nothing else and dies with the child', async () => {
    const policyFile = path.join(w.dir, 'only-s3.json');
    await fs.writeFile(policyFile, JSON.stringify(ONLY_S3, null, 2));
    w.sts.resetCounts();
    const run = await w.startExec(['dev', '--policy-arn', READ_ONLY, '--policy', policyFile, '--session-name-suffix', '@claude']);
    assert.match(run.arn, /^arn:aws:sts::123456789012:assumed-role\/Dev\/credd-[\w.-]+@claude$/);
    const issued = w.sessionOfLastCall();
    assert.equal(issued.roleArn, w.devArn);
    assert.deepEqual(issued.policyArns, [READ_ONLY]);
    assert.equal(issued.policy, JSON.stringify(ONLY_S3), 'the inline policy was sent packed');
    assert.deepEqual([issued.sourceIdentity, issued.tags], [undefined, []]);
    assert.match(run.url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials\/dev\/scoped\/[\w-]+$/);

    // While the child runs: its token opens its own URL and nothing else.
    const base = `http://127.0.0.1:${w.daemon.port}/v1/credentials`;
    assert.equal((await httpGet(run.url, run.token)).status, 200);
    for (const url of [`${base}/dev`, base, `${base}/other`, `${base}/agent`]) {
      const r = await httpGet(url, run.token);
      assert.equal(r.status, 403, `${url} must refuse the scoped token`);
      assert.match(r.body, /scoped/);
    }
    // The scoped slot shows in status while it is held.
    const status = await w.box.credd(['status']);
    assert.match(status.stdout, new RegExp(`dev \\[scope: ${READ_ONLY.replace(/[/.]/g, '\\$&')},inline policy; 1 exec\\]: credentials until`));

    const done = await run.finish();
    assert.equal(done.code, 0, done.stderr);
    const afterExit = await httpGet(run.url, run.token);
    assert.equal(afterExit.status, 403);
    assert.match(afterExit.body, /LeaseEnded/);
  });

  it('two children with the same scope share one AssumeRole; the audit line names the scope', async () => {
    w.sts.resetCounts();
    const [a, b] = await Promise.all([w.startExec(['dev', '--policy-arn', S3_READ]), w.startExec(['dev', '--policy-arn', S3_READ])]);
    assert.equal(a?.arn, b?.arn);
    const scoped = w.sts.issuedRoleSessions().filter((s) => s.policyArns.includes(S3_READ));
    assert.equal(scoped.length, 1, 'one AssumeRole for both children');
    assert.equal(w.sts.counts['AssumeRole'], 1);
    await Promise.all([a?.finish(), b?.finish()]);
    await waitForAudit(w, `"scope":"${S3_READ}"`);
    const audit = (await w.box.credd(['audit', '-n', '50'])).stdout;
    assert.match(audit, new RegExp(`ecs   200  dev .*aws sts get-caller-identity.*\\[scope: ${S3_READ.replace(/[/.]/g, '\\$&')}\\]`));
    const json = JSON.parse((await w.box.credd(['audit', '--json', '-n', '50'])).stdout) as Array<{ scope?: string; profile: string; status: number }>;
    assert.ok(json.some((e) => e.profile === 'dev' && e.status === 200 && e.scope === `${READ_ONLY},inline policy`));
  });
});
