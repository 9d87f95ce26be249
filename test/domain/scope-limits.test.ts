import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPolicyArns, checkSourceIdentity, packPolicy, parseSessionTags, parseTransitiveKeys } from '../../src/domain/scope-limits.js';
import { sessionNameFor } from '../../src/domain/session-scope.js';

const W = 'Profile "agent"';

describe('session scope limits', () => {
  it('packs an inline policy and refuses what AWS would, in one sentence', () => {
    assert.equal(packPolicy('{\n  "Statement": { "Effect": "Allow", "Action": "s3:*", "Resource": "*" }\n}\n', W), '{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}');
    const long = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(2000) }] });
    assert.throws(() => packPolicy(long, W), /^ConfigError: Profile "agent": the policy is 20\d\d characters without whitespace, more than the 2048 AWS allows for a session policy\.$/);
    assert.throws(() => packPolicy('[1]', W), /must be a JSON object with a "Statement"/);
    assert.throws(() => packPolicy('{"Version":"2012-10-17"}', W), /has no "Statement"/);
    assert.throws(() => packPolicy('{"Statement":[{"Effect":"Maybe"}]}', W), /"Effect": "Allow" or "Deny"/);
    assert.throws(() => packPolicy('{"Statement": ', W), /is not valid JSON/);
  });

  it('checks policy ARNs: shape and at most ten', () => {
    assert.deepEqual(checkPolicyArns(['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/team/S3Read'], W).length, 2);
    assert.throws(() => checkPolicyArns(['arn:aws:iam::123456789012:role/Dev'], W), /is not a policy ARN/);
    assert.throws(() => checkPolicyArns(Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`), W), /11 session policy ARNs is more than the 10 AWS allows/);
  });

  it('checks source identity and tags against AWS limits, naming the key', () => {
    assert.equal(checkSourceIdentity('alice@corp', W), 'alice@corp');
    for (const bad of ['a', 'x'.repeat(65), 'alice smith', 'aws:alice']) assert.throws(() => checkSourceIdentity(bad, W), /^ConfigError: Profile "agent": source_identity/);
    assert.deepEqual(parseSessionTags('team=platform, tool=agent ,empty=', W), [{ key: 'team', value: 'platform' }, { key: 'tool', value: 'agent' }, { key: 'empty', value: '' }]);
    assert.throws(() => parseSessionTags('team', W), /entry "team" is not key=value/);
    assert.throws(() => parseSessionTags(`k=${'v'.repeat(257)}`, W), /session tag "k" has a value that is not 0–256/);
    assert.throws(() => parseSessionTags(`${'k'.repeat(129)}=v`, W), /must be 1–128/);
    assert.throws(() => parseSessionTags('Team=a,team=b', W), /appears twice/);
    assert.throws(() => parseSessionTags('k=v;rm', W), /has a value that is not/);
    assert.throws(() => parseSessionTags(Array.from({ length: 51 }, (_, i) => `k${i}=v`).join(','), W), /51 tags, more than the 50 AWS allows/);
    assert.throws(() => parseTransitiveKeys('tool', [{ key: 'team', value: 'x' }], W), /"tool", which is not in session_tags/);
  });

  it('puts the program and the suffix into the session name, within 64 characters', () => {
    assert.equal(sessionNameFor('alice@{program}', '/usr/local/bin/terraform', undefined), 'alice@terraform');
    assert.equal(sessionNameFor('alice@{program}', undefined, undefined), 'alice@credd');
    assert.equal(sessionNameFor('credd-alice', 'claude', '@claude'), 'credd-alice@claude');
    assert.equal(sessionNameFor('x'.repeat(64), undefined, '@agent'), `${'x'.repeat(58)}@agent`);
    assert.equal(sessionNameFor('a@{program}', 'my tool!', undefined), 'a@my_tool_');
  });
});
