import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../support/journey-helpers.js';
import { ONLY_S3, READ_ONLY, S3_READ, scopeWorld, waitForAudit, type ScopeWorld } from '../support/scope-harness.js';

const re = (s: string): string => s.replace(/[/.()[\]]/g, '\\$&');

describe('named scopes: credd exec dev --as agent lays [profile agent]\'s policies and labels on dev\'s role', () => {
  let w: ScopeWorld;
  before(async () => {
    w = await scopeWorld();
  });
  after(async () => {
    await w?.close();
  });

  it('the aws CLI in the child runs on dev\'s role with exactly agent\'s policies, source identity and tags; two children share one AssumeRole', async () => {
    w.sts.resetCounts();
    const [a, b] = await Promise.all([w.startExec(['dev', '--as', 'agent']), w.startExec(['dev', '--as', 'agent'])]);
    // agent's role_session_name (alice@{program}) names the program the child runs.
    assert.equal(a?.arn, 'arn:aws:sts::123456789012:assumed-role/Dev/alice@sh');
    assert.equal(b?.arn, a?.arn);
    const issued = w.sessionOfLastCall();
    assert.equal(issued.roleArn, w.devArn);
    assert.deepEqual(issued.policyArns, [READ_ONLY]);
    assert.equal(issued.policy, JSON.stringify(ONLY_S3));
    assert.equal(issued.sourceIdentity, 'alice');
    assert.deepEqual(issued.tags, [{ key: 'team', value: 'platform' }, { key: 'tool', value: 'agent' }]);
    assert.deepEqual(issued.transitiveTagKeys, ['team']);
    assert.equal(w.sts.counts['AssumeRole'], 1, 'one AssumeRole for both children');
    // The child's URL is dev's; its token opens neither dev nor agent.
    assert.match(a?.url ?? '', /\/v1\/credentials\/dev\/scoped\/[\w-]+$/);
    for (const p of ['dev', 'agent']) assert.equal((await httpGet(`http://127.0.0.1:${w.daemon.port}/v1/credentials/${p}`, a?.token ?? '')).status, 403);
    const label = `agent (${READ_ONLY},inline policy)`;
    const status = await w.box.credd(['status']);
    assert.match(status.stdout, new RegExp(`dev \\[scope: ${re(label)}; 2 execs\\]: credentials until`));
    await Promise.all([a?.finish(), b?.finish()]);
    await waitForAudit(w, `"scope":"${label}"`);
    const audit = (await w.box.credd(['audit', '-n', '50'])).stdout;
    assert.match(audit, new RegExp(`ecs   200  dev .*\\[scope: ${re(label)}\\]`));
  });

  it('a scope that only labels combines with --policy-arn: the child gets the flag\'s policy and the scope\'s identity and tags', async () => {
    const run = await w.startExec(['dev', '--as', 'tagonly', '--policy-arn', S3_READ]);
    assert.equal(run.arn, 'arn:aws:sts::123456789012:assumed-role/Dev/bob@sh');
    const issued = w.sessionOfLastCall();
    assert.deepEqual(issued.policyArns, [S3_READ]);
    assert.equal(issued.policy, undefined);
    assert.equal(issued.sourceIdentity, 'bob');
    assert.deepEqual(issued.tags, [{ key: 'tool', value: 'mcp' }]);
    assert.match((await w.box.credd(['status'])).stdout, new RegExp(`dev \\[scope: tagonly \\(${re(S3_READ)}\\); 1 exec\\]`));
    assert.equal((await run.finish()).code, 0);
  });

  it('an unknown name, a profile that narrows nothing, another role, widening policies and hostile names: one sentence, exit 2, no STS call', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['exec', 'dev', '--as', 'agnet', '--', 'true'], /^credd: --as agnet: there is no \[profile agnet\] in .* \(did you mean agent\?\)\.$/],
      [['exec', 'other', '--as', 'dev', '--', 'true'], /^credd: --as dev: \[profile dev\] sets none of credd_policy_arns, credd_policy_file, source_identity, session_tags, transitive_session_tags, so it narrows and labels nothing\.$/],
      [['exec', 'dev', '--as', 'deployscope', '--', 'true'], /^credd: --as deployscope: \[profile deployscope\] is for role arn:aws:iam::210987654321:role\/Deploy, not arn:aws:iam::123456789012:role\/Dev of "dev"; .*run credd exec deployscope/],
      [['exec', 'dev', '--as', 'agent', '--policy-arn', S3_READ, '--', 'true'], /^credd: --as agent: \[profile agent\] already sets session policies, and --policy\/--policy-arn would be joined with them/],
      [['exec', 'agent', '--as', 'agent', '--', 'true'], /^credd: --as agent: that is the profile itself/],
      [['exec', 'dev', '--as', '../../etc/passwd', '--', 'true'], /^credd: "\.\.\/\.\.\/etc\/passwd" is not a profile name credd accepts/],
      [['exec', 'dev', '--as', 'x\u001b[31mred', '--', 'true'], /^credd: "x\\u001b\[31mred" is not a profile name credd accepts/],
    ];
    w.sts.resetCounts();
    for (const [args, message] of cases) {
      const r = await w.box.credd(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trim(), message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.ok(!r.stderr.includes('\u001b'), 'no terminal escape reaches the terminal');
    }
    assert.equal(w.sts.counts['AssumeRole'] ?? 0, 0, 'no STS call was made');
    const keys = await w.box.credd(['exec', 'dev', '--as', 'agent', '--env-keys', '--', 'true']);
    assert.equal(keys.code, 1);
    assert.match(keys.stderr, /--env-keys cannot be combined with --as/);
  });
});
