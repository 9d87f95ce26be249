import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { READ_ONLY, S3_READ, scopeWorld, type ScopeWorld } from '../support/scope-harness.js';

describe('session scopes: MFA-protected roles, chains and the program in the session name', () => {
  let w: ScopeWorld;
  before(async () => {
    w = await scopeWorld();
  });
  after(async () => {
    await w?.close();
  });

  it('an MFA-protected role takes a scope on the same MFA session: one code, then other scopes need none', async () => {
    w.sts.resetCounts();
    const first = await w.startExec(['guarded', '--policy-arn', READ_ONLY, '--mfa-code', w.codes.fresh()]);
    assert.match(first.arn, /assumed-role\/Guarded\//);
    assert.deepEqual(w.sessionOfLastCall().policyArns, [READ_ONLY]);
    await first.finish();
    const second = await w.startExec(['guarded', '--policy-arn', S3_READ]);
    assert.deepEqual(w.sessionOfLastCall().policyArns, [S3_READ]);
    await second.finish();
    assert.equal(w.sts.counts['GetSessionToken'], 1, 'one MFA session served both scopes');
    assert.equal(w.sts.counts['AssumeRole'], 2);
  });

  it('a chained role gets the policy on its last AssumeRole only', async () => {
    const before = w.sts.issuedRoleSessions().length;
    const run = await w.startExec(['deploy', '--policy-arn', READ_ONLY]);
    assert.match(run.arn, /^arn:aws:sts::210987654321:assumed-role\/Deploy\//);
    const last = w.sessionOfLastCall();
    assert.deepEqual(last.policyArns, [READ_ONLY]);
    assert.match(last.callerArn, /assumed-role\/Dev\//);
    const issued = w.sts.issuedRoleSessions().slice(before);
    assert.deepEqual(issued.map((s) => [s.roleArn.split('/').pop(), s.policyArns]), [['Dev', []], ['Deploy', [READ_ONLY]]], 'the role below the last one is assumed unscoped');
    await run.finish();
  });

  it('exec under {program}: the session name carries the tool', async () => {
    const run = await w.startExec(['agent']);
    assert.equal(run.arn, 'arn:aws:sts::123456789012:assumed-role/Dev/alice@sh');
    assert.equal(w.sessionOfLastCall().sourceIdentity, 'alice');
    assert.equal((await run.finish()).code, 0);
  });
});
