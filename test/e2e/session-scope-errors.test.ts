import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../support/journey-helpers.js';
import { READ_ONLY, S3_READ, scopeWorld, waitForAudit, type ScopeWorld } from '../support/scope-harness.js';

const re = (s: string): string => s.replace(/[/.()[\]]/g, '\\$&');
/** A scoped slot's internal key is PROFILE#ID; no message may show it. */
const SLOT_KEY = /(dev|guarded)#/;

describe('failures on a down-scoped slot are named as the user knows it: the profile and its scope', () => {
  let w: ScopeWorld;
  before(async () => {
    w = await scopeWorld();
  });
  after(async () => {
    w?.sts.setFault(null);
    await w?.close();
  });

  it('STS failing: the exec\'s own error, the child\'s error body, status and the audit say dev [scope: …]', async () => {
    w.sts.setFault({ kind: 'server-error' }, { actions: ['AssumeRole'] });
    const failed = await w.box.credd(['exec', 'dev', '--policy-arn', S3_READ, '--', 'true']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, new RegExp(`^credd: Profile "dev" \\[scope: ${re(S3_READ)}\\]: STS had an internal error`));
    assert.doesNotMatch(failed.stderr, SLOT_KEY);
    w.sts.setFault(null);

    // A running child whose slot must be fetched again while STS fails.
    const run = await w.startExec(['dev', '--policy-arn', READ_ONLY]);
    assert.equal((await w.box.credd(['clear', 'dev'])).code, 0);
    w.sts.setFault({ kind: 'server-error' }, { actions: ['AssumeRole'] });
    const bodies: string[] = [];
    let last = { status: 0, body: '' };
    // The first answers may say "still fetching" (429) while the SDK retries; wait for the failure itself.
    for (let i = 0; i < 100 && last.status !== 424; i++) {
      last = await httpGet(run.url, run.token);
      bodies.push(last.body);
      if (last.status !== 424) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(last.status, 424, last.body);
    const message = (JSON.parse(last.body) as { Message: string }).Message;
    assert.match(message, new RegExp(`^Profile "dev" \\[scope: ${re(READ_ONLY)}\\]: STS had an internal error`));
    for (const body of bodies) assert.doesNotMatch(body, SLOT_KEY);

    const status = await w.box.credd(['status']);
    assert.match(status.stdout, new RegExp(`dev \\[scope: ${re(READ_ONLY)}; 1 exec\\]: .*Profile "dev" \\[scope: ${re(READ_ONLY)}\\]: STS had an internal error`));
    assert.doesNotMatch(status.stdout, SLOT_KEY);
    const json = JSON.parse((await w.box.credd(['status', '--json'])).stdout) as { profiles: Array<{ scoped?: unknown; lastError?: { message: string } }> };
    const errors = json.profiles.filter((p) => p.scoped !== undefined && p.lastError !== undefined).map((p) => p.lastError?.message ?? '');
    assert.ok(errors.length > 0);
    for (const e of errors) assert.doesNotMatch(e, SLOT_KEY);
    await waitForAudit(w, '"status":424');
    const audit = (await w.box.credd(['audit', '-n', '50'])).stdout;
    assert.match(audit, new RegExp(`ecs   424  dev .*\\[scope: ${re(READ_ONLY)}\\]`));
    assert.doesNotMatch(audit, SLOT_KEY);

    w.sts.setFault(null);
    assert.equal((await run.finish()).code, 0);
  });

  it('an MFA code needed by a scoped child: its error body and the shell notice name the profile to act on', async () => {
    w.sts.setFault(null);
    const run = await w.startExec(['guarded', '--policy-arn', READ_ONLY, '--mfa-code', w.codes.fresh()]);
    assert.equal((await w.box.credd(['clear', 'guarded'])).code, 0);
    const r = await httpGet(run.url, run.token);
    assert.ok(r.status >= 400 && r.status < 500, r.body);
    assert.match(r.body, /MFA/);
    assert.doesNotMatch(r.body, SLOT_KEY);
    const file = path.join(w.box.home, 'notice');
    let notice = '';
    for (let i = 0; i < 100 && !notice.includes('MFA code needed'); i++) {
      notice = await fs.readFile(file, 'utf8').catch(() => '');
      if (!notice.includes('MFA code needed')) await new Promise((res) => setTimeout(res, 100));
    }
    assert.match(notice, /MFA code needed for guarded since \d\d:\d\d; run: credd switch guarded/);
    assert.doesNotMatch(notice, SLOT_KEY);
    await run.finish();
  });
});
