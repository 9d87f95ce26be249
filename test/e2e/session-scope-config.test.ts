import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../support/cli-harness.js';
import { parseExports } from '../support/journey-helpers.js';
import { ONLY_S3, READ_ONLY, S3_READ, scopeWorld, type ScopeWorld } from '../support/scope-harness.js';

describe('session scopes: checked before STS, from profile keys, on MFA roles', () => {
  let w: ScopeWorld;
  before(async () => {
    w = await scopeWorld();
  });
  after(async () => {
    await w?.close();
  });

  it('bad policies, too many ARNs and bad tag values fail before any STS call, in one sentence', async () => {
    const bad = path.join(w.dir, 'bad.json');
    const big = path.join(w.dir, 'big.json');
    await fs.writeFile(bad, '{"Statement": [');
    await fs.writeFile(big, JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(2100) }] }));
    const eleven = Array.from({ length: 11 }, (_, i) => ['--policy-arn', `arn:aws:iam::aws:policy/P${i}`]).flat();
    const cases: Array<[string[], RegExp]> = [
      [['exec', 'dev', '--policy', bad, '--', 'true'], /--policy .*bad\.json: the policy is not valid JSON/],
      [['exec', 'dev', '--policy', big, '--', 'true'], /more than the 2048 AWS allows/],
      [['exec', 'dev', ...eleven, '--', 'true'], /11 session policy ARNs is more than the 10 AWS allows/],
      [['exec', 'dev', '--policy-arn', 'arn:aws:iam::aws:role/Nope', '--', 'true'], /is not a policy ARN/],
      [['exec', 'badtags', '--policy-arn', READ_ONLY, '--', 'true'], /Profile "badtags" in .*: session tag key "Team" appears twice/],
      [['switch', 'badtags'], /Profile "badtags" in .*: session tag key "Team" appears twice/],
      [['exec', 'agent', '--policy-arn', S3_READ, '--', 'true'], /Profile "agent" already sets credd_policy_arns/],
      [['exec', 'base', '--policy-arn', READ_ONLY, '--', 'true'], /Profile "base" cannot be down-scoped/],
      [['switch', 'basepolicy'], /credd_policy_arns needs a role profile/],
    ];
    w.sts.resetCounts();
    for (const [args, message] of cases) {
      const r = await w.box.credd(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
    assert.equal(w.sts.counts['AssumeRole'] ?? 0, 0, 'no STS call was made');
  });

  it('switch to a profile with scope keys: the global endpoint serves the narrowed, labelled session', async () => {
    const sw = await w.box.credd(['switch', 'agent']);
    assert.equal(sw.code, 0, sw.stderr);
    const vars = parseExports((await w.box.credd(['env'])).stdout);
    w.sts.resetCounts();
    const cli = await new Promise<RunResult>((resolve) => {
      const c = spawn('aws', ['sts', 'get-caller-identity', '--output', 'text', '--query', 'Arn'], { env: { ...w.box.env, ...vars, AWS_CONFIG_FILE: '/nonexistent/config', AWS_DEFAULT_REGION: 'us-east-1' } });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), 'arn:aws:sts::123456789012:assumed-role/Dev/alice@credd');
    const issued = w.sessionOfLastCall();
    assert.deepEqual(issued.policyArns, [READ_ONLY]);
    assert.equal(issued.policy, JSON.stringify(ONLY_S3));
    assert.equal(issued.sourceIdentity, 'alice');
    assert.deepEqual(issued.tags, [{ key: 'team', value: 'platform' }, { key: 'tool', value: 'agent' }]);
    assert.deepEqual(issued.transitiveTagKeys, ['team']);
    const list = await w.box.credd(['list']);
    assert.match(list.stdout, /agent .*policies arn:aws:iam::aws:policy\/ReadOnlyAccess; policy file .*agent\.json; source identity alice; tags team=platform,tool=agent; transitive team/);
  });
});
