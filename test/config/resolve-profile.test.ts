import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import { ConfigError } from '../../src/domain/errors.js';
import { mfaSerialOf, rootOf } from '../../src/domain/profile.js';

async function configOf(text: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-config-'));
  const file = path.join(dir, 'config');
  await fs.writeFile(file, text);
  return loadAwsConfig(file);
}

const SAMPLE = `
[default]
region = eu-west-1

[profile base]
region = eu-central-1
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile readonly]
source_profile = base
role_arn = arn:aws:iam::123456789012:role/ReadOnly
duration_seconds = 1800
role_session_name = alice@example.com
external_id = ext-123

[profile chained]
source_profile = readonly
role_arn = arn:aws:iam::210987654321:role/Deploy
region = us-west-2

[profile selfish]
source_profile = selfish
role_arn = arn:aws:iam::123456789012:role/Self
`;

const env = { AWS_REGION: 'ap-south-1' };

describe('resolveProfile', () => {
  it('resolves a role on a keychain user with every supported key', async () => {
    const p = resolveProfile(await configOf(SAMPLE), 'readonly', env);
    assert.equal(p.kind, 'role');
    if (p.kind !== 'role') return;
    assert.equal(p.roleArn, 'arn:aws:iam::123456789012:role/ReadOnly');
    assert.equal(p.durationSeconds, 1800);
    assert.equal(p.roleSessionName, 'alice@example.com');
    assert.equal(p.externalId, 'ext-123');
    assert.equal(p.region, 'ap-south-1', 'no region on the role: AWS_REGION');
    assert.equal(p.source.kind, 'keychain');
    assert.equal(p.source.name, 'base');
    assert.equal(p.source.region, 'eu-central-1');
    assert.equal(mfaSerialOf(p), 'arn:aws:iam::123456789012:mfa/alice', 'mfa_serial of the source user counts');
  });

  it('resolves role → role chains down to the user', async () => {
    const p = resolveProfile(await configOf(SAMPLE), 'chained', env);
    assert.equal(p.kind, 'role');
    assert.equal(p.region, 'us-west-2');
    assert.equal(rootOf(p).name, 'base');
    assert.equal(p.kind === 'role' && p.source.kind, 'role');
  });

  it('treats source_profile naming itself as its own key, like the AWS CLI', async () => {
    const p = resolveProfile(await configOf(SAMPLE), 'selfish', env);
    assert.equal(p.kind === 'role' && p.source.kind, 'keychain');
    assert.equal(rootOf(p).name, 'selfish');
  });

  it('accepts a name only the keychain knows, marking it as not in the config', async () => {
    const p = resolveProfile(await configOf(SAMPLE), 'ci-user', {});
    assert.deepEqual(p, { kind: 'keychain', name: 'ci-user', inConfig: false, region: 'us-east-1' });
  });

  it('takes the STS endpoint from AWS_ENDPOINT_URL_STS before endpoint_url', async () => {
    const cfg = await configOf(`[profile r]\nsource_profile=base\nrole_arn=arn:aws:iam::123456789012:role/R\nendpoint_url=http://127.0.0.1:1\n`);
    assert.equal(resolveProfile(cfg, 'r', {}).endpoint, 'http://127.0.0.1:1');
    assert.equal(resolveProfile(cfg, 'r', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:2' }).endpoint, 'http://127.0.0.1:2');
    assert.equal(resolveProfile(cfg, 'r', { AWS_ENDPOINT_URL_STS: 'http://x:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).endpoint, undefined);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['cycle', '[profile a]\nsource_profile=b\nrole_arn=arn:aws:iam::123456789012:role/A\n[profile b]\nsource_profile=a\nrole_arn=arn:aws:iam::123456789012:role/B\n', /Profile "a" has a source_profile cycle: a → b → a/],
    ['missing source', '[profile a]\nrole_arn=arn:aws:iam::123456789012:role/A\n', /Profile "a".*source_profile is missing/],
    ['credential_source', '[profile a]\nrole_arn=arn:aws:iam::123456789012:role/A\ncredential_source=Ec2Metadata\n', /Profile "a".*credential_source "Ec2Metadata" is not one of Environment, Ec2InstanceMetadata, EcsContainer/],
    ['malformed ARN', '[profile a]\nsource_profile=b\nrole_arn=arn:aws:iam::12345:role/A\n', /Profile "a".*role_arn "arn:aws:iam::12345:role\/A" is not a role ARN/],
    ['duration', '[profile a]\nsource_profile=b\nrole_arn=arn:aws:iam::123456789012:role/A\nduration_seconds=60\n', /Profile "a".*duration_seconds "60" must be a whole number of seconds from 900 to 43200/],
    ['region', '[profile a]\nregion=mars\n', /Profile "a".*region "mars"/],
    ['session name', '[profile a]\nsource_profile=b\nrole_arn=arn:aws:iam::123456789012:role/A\nrole_session_name=has space\n', /role_session_name/],
  ];
  for (const [what, text, message] of bad) {
    it(`names the profile and the key for a bad config: ${what}`, async () => {
      const cfg = await configOf(text);
      assert.throws(() => resolveProfile(cfg, 'a', {}), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }
});
