import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssumeRoleCommand, STSClient, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { startStsEmulator, type StsEmulator } from './sts-emulator.js';

async function withRole(fn: (emu: StsEmulator, assume: (extra: Partial<AssumeRoleCommandInput>) => Promise<string>) => Promise<void>): Promise<void> {
  const emu = await startStsEmulator();
  try {
    const alice = emu.createUser({ userName: 'alice' });
    const dev = emu.createRole({ roleName: 'Dev', trustedPrincipals: [alice.arn] });
    const sts = new STSClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey }, maxAttempts: 1 });
    await fn(emu, async (extra) => {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: dev.arn, RoleSessionName: 'alice', ...extra }));
      assert.ok(out.Credentials?.AccessKeyId);
      return out.Credentials.AccessKeyId;
    });
  } finally {
    await emu.close();
  }
}

async function refusal(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  return assert.fail('expected AssumeRole to be refused');
}

test('the emulator records the Policy, PolicyArns, SourceIdentity and Tags each AssumeRole received, per issued session', async () => {
  await withRole(async (emu, assume) => {
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
    const scoped = await assume({
      Policy: policy,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, { arn: 'arn:aws:iam::123456789012:policy/team/Extra' }],
      SourceIdentity: 'alice',
      Tags: [{ Key: 'team', Value: 'platform' }, { Key: 'tool', Value: 'agent' }],
      TransitiveTagKeys: ['team'],
    });
    const plain = await assume({});
    assert.deepEqual(emu.sessionParams(scoped), {
      accessKeyId: scoped,
      roleArn: 'arn:aws:iam::123456789012:role/Dev',
      sessionName: 'alice',
      callerArn: 'arn:aws:iam::123456789012:user/alice',
      policy,
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/team/Extra'],
      sourceIdentity: 'alice',
      tags: [{ key: 'team', value: 'platform' }, { key: 'tool', value: 'agent' }],
      transitiveTagKeys: ['team'],
    });
    const none = emu.sessionParams(plain);
    assert.deepEqual([none?.policy, none?.policyArns, none?.sourceIdentity, none?.tags], [undefined, [], undefined, []]);
    assert.equal(emu.issuedRoleSessions().length, 2);
  });
});

test('the emulator refuses what AWS refuses: long or malformed policies, 11 ARNs, bad source identities and tags', async () => {
  await withRole(async (emu, assume) => {
    const big = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(2100) }] });
    const cases: Array<[Partial<AssumeRoleCommandInput>, string, RegExp]> = [
      [{ Policy: big }, 'ValidationError', /policy.*2048/],
      [{ Policy: '{"Statement": [' }, 'MalformedPolicyDocumentException', /valid JSON/],
      [{ PolicyArns: Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::aws:policy/P${i}` })) }, 'ValidationError', /policyArns/],
      [{ PolicyArns: [{ arn: 'arn:aws:iam::aws:role/NotAPolicy' }] }, 'ValidationError', /policy ARN/],
      [{ SourceIdentity: 'a' }, 'ValidationError', /sourceIdentity/],
      [{ SourceIdentity: 'alice smith' }, 'ValidationError', /sourceIdentity/],
      [{ Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }, 'ValidationError', /tags/],
      [{ Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }, 'ValidationError', /tags\.1\.member\.value/],
      [{ Tags: [{ Key: 'Team', Value: 'a' }, { Key: 'team', Value: 'b' }] }, 'InvalidParameterValue', /Duplicate tag keys/],
      [{ Tags: [{ Key: 'team', Value: 'a' }], TransitiveTagKeys: ['tool'] }, 'InvalidParameterValue', /transitive tag key/],
    ];
    for (const [extra, name, message] of cases) {
      const err = await refusal(assume(extra));
      // The SDK names modelled errors after their shape (MalformedPolicyDocument → …Exception), as with the real STS.
      assert.equal(err.name, name, JSON.stringify(extra).slice(0, 120));
      assert.match(err.message, message);
    }
    assert.equal(emu.issuedRoleSessions().length, 0, 'no session was issued for a refused call');
  });
});
