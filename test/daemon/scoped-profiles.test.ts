import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import { ConfigSnapshot } from '../../src/config/config-snapshot.js';
import { ScopeRegistry, slotName } from '../../src/daemon/scope-registry.js';
import { ScopedProfiles } from '../../src/daemon/scoped-profiles.js';
import { MemoryStore } from '../../src/keychain/memory-store.js';
import { silentLogger } from '../../src/platform/logger.js';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { withStsEmulator } from '../support/with-sts-emulator.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

describe('down-scoped slots on SSO-sourced roles', () => {
  const rig = withStsEmulator('credd-scoped-');

  let worlds = 0;
  async function world() {
    const n = ++worlds;
    const developer = rig.sts.createRole({ roleName: `AWSReservedSSO_Developer${n}`, trustedPrincipals: ['*'] });
    const deploy = rig.sts.createRole({ roleName: `Deploy${n}`, accountId: '210987654321', trustedPrincipals: [developer.arn] });
    const configFile = path.join(rig.dir, 'config');
    await fs.writeFile(
      configFile,
      [
        '[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n',
        '[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\n',
        `[profile deploy]\nsource_profile = dev\nrole_arn = ${deploy.arn}\nsession_tags = via=sso\n`,
      ].join('\n'),
    );
    const registry = new ScopeRegistry();
    const profiles = new ScopedProfiles(new ConfigSnapshot({ configFile }), { AWS_ENDPOINT_URL_STS: rig.sts.url, AWS_REGION: 'us-east-1' }, registry, 'credd-test');
    const broker = new CredentialBroker({
      loadProfile: (name) => profiles.load(name),
      store: new MemoryStore(),
      sts: new SdkStsGateway({ requestTimeoutMs: 2_000 }),
      clock: new ManualClock(rig.sts.now()),
      logger: silentLogger(),
      roleSessionName: 'credd-test',
      // The role credentials IAM Identity Center would hand out for dev (GetRoleCredentials).
      sso: { roleCredentials: async () => ({ ...rig.sts.issueRoleSession(developer.arn, 'alice@corp') }) },
    });
    return { registry, profiles, broker, deploy };
  }

  it('the session policy goes on the AssumeRole on top of the SSO role, with the profile\'s tags', async () => {
    const { registry, profiles, broker, deploy } = await world();
    const before = rig.sts.issuedRoleSessions().length;
    const entry = registry.scopeFor('deploy', { policyArns: [READ_ONLY], sessionNameSuffix: '@agent' });
    const creds = await broker.ensure(slotName(entry));
    assert.equal(creds.assumedRoleArn, `arn:aws:sts::210987654321:assumed-role/${deploy.roleName}/credd-test@agent`);
    const [issued, ...rest] = rig.sts.issuedRoleSessions().slice(before);
    assert.equal(rest.length, 0);
    assert.equal(issued?.roleArn, deploy.arn);
    assert.deepEqual(issued?.policyArns, [READ_ONLY]);
    assert.deepEqual(issued?.tags, [{ key: 'via', value: 'sso' }]);
    assert.match(issued?.callerArn ?? '', /assumed-role\/AWSReservedSSO_Developer1\/alice@corp$/);
    assert.equal(profiles.labelOf(slotName(entry)), READ_ONLY);
    // The whole role stays its own slot: asking for it makes a second, unscoped AssumeRole.
    const whole = await broker.ensure('deploy');
    assert.notEqual(whole.accessKeyId, creds.accessKeyId);
    assert.deepEqual(rig.sts.issuedRoleSessions().at(-1)?.policyArns, []);
  });

  it('an SSO profile itself cannot be down-scoped: one sentence, no call', async () => {
    const { profiles } = await world();
    const before = rig.sts.calls.length;
    await assert.rejects(
      async () => profiles.narrow(await profiles.load('dev'), { policyArns: [READ_ONLY] }),
      /^ConfigError: Profile "dev" cannot be down-scoped \(IAM Identity Center role credentials take no session policy\); use a role profile whose source_profile is "dev"\.$/,
    );
    assert.equal(rig.sts.calls.length, before);
  });
});
