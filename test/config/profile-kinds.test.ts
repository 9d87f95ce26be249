import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { resolveProfile } from '../../src/config/resolve-profile.js';
import { rootOf } from '../../src/domain/profile.js';

async function configOf(text: string, credentials?: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-kinds-'));
  const file = path.join(dir, 'config');
  await fs.writeFile(file, text);
  if (credentials === undefined) return { config: await loadAwsConfig(file), dir };
  await fs.writeFile(path.join(dir, 'credentials'), credentials);
  return { config: await loadAwsConfig(file, path.join(dir, 'credentials')), dir };
}

const ROLE = 'arn:aws:iam::123456789012:role/CI';
const env = { HOME: '/home/alice' };

describe('profile kinds beyond keys, roles and SSO', () => {
  it('web identity: role_arn + web_identity_token_file without a source; ~/ expanded, relative paths refused', async () => {
    const { config } = await configOf(
      `[profile ci]\nrole_arn = ${ROLE}\nweb_identity_token_file = ~/.config/oidc/token\nrole_session_name = gha\n\n[profile rel]\nrole_arn = ${ROLE}\nweb_identity_token_file = token\n\n[profile viaci]\nsource_profile = ci\nrole_arn = arn:aws:iam::123456789012:role/Deploy\n`,
    );
    assert.deepEqual(resolveProfile(config, 'ci', env), { kind: 'web-identity', name: 'ci', roleArn: ROLE, tokenFile: '/home/alice/.config/oidc/token', region: 'us-east-1', roleSessionName: 'gha' });
    assert.throws(() => resolveProfile(config, 'rel', env), /web_identity_token_file "token" must be an absolute path/);
    assert.equal(rootOf(resolveProfile(config, 'viaci', env)).kind, 'web-identity', 'a role can chain from it');
  });

  it('credential_process: its own kind, as a profile and as the source of a role; credential_process wins over nothing else in the AWS CLI order', async () => {
    const { config } = await configOf(`[profile proc]\ncredential_process = op read "op://v/aws key"\n\n[profile viaproc]\nsource_profile = proc\nrole_arn = ${ROLE}\n`);
    assert.deepEqual(resolveProfile(config, 'proc', env), { kind: 'process', name: 'proc', command: 'op read "op://v/aws key"', region: 'us-east-1' });
    const via = resolveProfile(config, 'viaproc', env);
    assert.equal(via.kind, 'role');
    assert.equal(rootOf(via).kind, 'process');
  });

  it('credential_source: the three canonical names; both sources or an unknown name refused', async () => {
    const { config } = await configOf(
      `[profile e]\ncredential_source = Environment\nrole_arn = ${ROLE}\n\n[profile both]\ncredential_source = Environment\nsource_profile = e\nrole_arn = ${ROLE}\n\n[profile bad]\ncredential_source = environment\nrole_arn = ${ROLE}\n`,
    );
    const e = resolveProfile(config, 'e', env);
    assert.equal(e.kind, 'role');
    assert.deepEqual(e.kind === 'role' && e.source, { kind: 'ambient', name: 'e', source: 'Environment', region: 'us-east-1' });
    assert.throws(() => resolveProfile(config, 'both', env), /has both source_profile and credential_source; keep one\./);
    assert.throws(() => resolveProfile(config, 'bad', env), /credential_source "environment" is not one of Environment, Ec2InstanceMetadata, EcsContainer\./);
  });

  it('login_session: an aws login profile', async () => {
    const { config } = await configOf('[profile web]\nlogin_session = arn:aws:iam::123456789012:user/alice\n');
    assert.deepEqual(resolveProfile(config, 'web', env), { kind: 'login', name: 'web', loginSession: 'arn:aws:iam::123456789012:user/alice', region: 'us-east-1' });
  });

  it('a source whose key is only in the credentials file (or in the config) is marked with that file, the key never kept', async () => {
    const { config, dir } = await configOf(
      `[profile admin]\nsource_profile = work\nrole_arn = ${ROLE}\n\n[profile inline]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = x\n`,
      '[work]\naws_access_key_id = AKIAEXAMPLEEXAMPLE34\naws_secret_access_key = secret-value\n',
    );
    const root = rootOf(resolveProfile(config, 'admin', env));
    assert.equal(root.kind === 'keychain' && root.plaintextKeyIn, path.join(dir, 'credentials'));
    const inline = resolveProfile(config, 'inline', env);
    assert.equal(inline.kind === 'keychain' && inline.plaintextKeyIn, path.join(dir, 'config'));
    assert.ok(!JSON.stringify([...(config.plaintextKeys ?? [])]).includes('secret-value'));
  });
});
