import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RoleProfile } from '../../src/domain/profile.js';
import { ScopeRegistry, slotName } from '../../src/daemon/scope-registry.js';
import { ScopedProfiles } from '../../src/daemon/scoped-profiles.js';
import { ConfigSnapshot } from '../../src/config/config-snapshot.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const DEV = 'arn:aws:iam::123456789012:role/Dev';

describe('named scopes in the daemon (which does not trust the CLI to have checked)', () => {
  let dir: string;
  let configFile: string;
  const registry = new ScopeRegistry();
  let profiles: ScopedProfiles;
  const write = (agentKeys: string): Promise<void> =>
    fs.writeFile(
      configFile,
      [
        '[profile base]\nregion = us-east-1\n',
        `[profile dev]\nsource_profile = base\nrole_arn = ${DEV}\nsource_identity = dev-user\nsession_tags = team=core\ntransitive_session_tags = team\n`,
        `[profile agent]\n${agentKeys}`,
      ].join('\n'),
    );
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-named-'));
    configFile = path.join(dir, 'config');
    profiles = new ScopedProfiles(new ConfigSnapshot({ configFile, recheckMs: 0 }), { HOME: dir }, registry, 'credd-test');
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lays the scope\'s keys on dev\'s role, replaces dev\'s identity and tags, and follows an edit of the section', async () => {
    await write(`credd_policy_arns = ${READ_ONLY}\nsource_identity = alice\nsession_tags = tool=agent\n`);
    const slot = slotName(registry.scopeFor('dev', { as: 'agent' }));
    const p = (await profiles.load(slot)) as RoleProfile;
    assert.equal(p.roleArn, DEV);
    assert.deepEqual(p.scope, { policyArns: [READ_ONLY], sourceIdentity: 'alice', tags: [{ key: 'tool', value: 'agent' }] });
    assert.equal(profiles.labelOf(slot), `agent (${READ_ONLY})`);
    await write(`credd_policy_arns = ${S3_READ}\n`);
    const edited = (await profiles.load(slot)) as RoleProfile;
    assert.deepEqual(edited.scope?.policyArns, [S3_READ]);
    assert.equal(edited.scope?.sourceIdentity, 'dev-user', 'without its own source_identity the scope keeps dev\'s');
  });

  it('refuses policies from two places, another role, and a section that narrows nothing', async () => {
    await write(`credd_policy_arns = ${READ_ONLY}\n`);
    await assert.rejects(profiles.load(slotName(registry.scopeFor('dev', { as: 'agent', policyArns: [S3_READ] }))), /^ConfigError: --as agent: \[profile agent\] already sets session policies/);
    await write(`source_profile = base\nrole_arn = arn:aws:iam::123456789012:role/Other\nsource_identity = alice\n`);
    await assert.rejects(profiles.load(slotName(registry.scopeFor('dev', { as: 'agent' }))), /^ConfigError: --as agent: \[profile agent\] is for role arn:aws:iam::123456789012:role\/Other, not arn:aws:iam::123456789012:role\/Dev of "dev"/);
    await write('region = eu-west-1\n');
    await assert.rejects(profiles.load(slotName(registry.scopeFor('dev', { as: 'agent' }))), /narrows and labels nothing/);
  });
});
