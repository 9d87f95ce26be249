import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAmbientEndpoints, type AmbientEndpoints } from '../support/ambient-endpoints.js';
import { freePort } from '../support/free-port.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { sandbox, type Sandbox } from '../support/cli-harness.js';
import { startKindJourney, type KindJourney } from '../support/kind-journey.js';
import { startStsEmulator, type EmulatedUser, type StsEmulator } from '../support/sts-emulator.js';

describe('credential_source: a role sourced from the daemon\'s environment, container endpoint or instance metadata', () => {
  let sts: StsEmulator;
  let ambient: AmbientEndpoints;
  let alice: EmulatedUser;
  let j: KindJourney;
  const config = (deployArn: string, readOnlyArn: string): string =>
    [
      `[profile fromenv]\ncredential_source = Environment\nrole_arn = ${readOnlyArn}\n`,
      `[profile fromecs]\ncredential_source = EcsContainer\nrole_arn = ${deployArn}\n`,
      `[profile fromimds]\ncredential_source = Ec2InstanceMetadata\nrole_arn = ${deployArn}\n`,
      `[profile both]\ncredential_source = Environment\nsource_profile = fromenv\nrole_arn = ${deployArn}\n`,
      `[profile typo]\ncredential_source = Ec2Metadata\nrole_arn = ${deployArn}\n`,
    ].join('\n');
  let roles: { deploy: string; readOnly: string };

  before(async () => {
    sts = await startStsEmulator();
    alice = sts.createUser({ userName: 'alice' });
    const instance = sts.createRole({ roleName: 'InstanceRole' });
    roles = {
      deploy: sts.createRole({ roleName: 'Deploy', trustedPrincipals: [instance.arn] }).arn,
      readOnly: sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] }).arn,
    };
    ambient = await startAmbientEndpoints(sts, instance.arn);
    j = await startKindJourney({
      stsUrl: sts.url,
      config: config(roles.deploy, roles.readOnly),
      daemonEnv: {
        AWS_ACCESS_KEY_ID: alice.accessKeyId,
        AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: ambient.containerUri,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: ambient.containerToken,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: ambient.imdsEndpoint,
        AWS_EC2_METADATA_DISABLED: 'false',
      },
    });
  });

  after(async () => {
    await j?.close();
    await ambient?.close();
    await sts?.close();
  });

  for (const [profile, role, counted] of [
    ['fromenv', 'ReadOnly', undefined],
    ['fromecs', 'Deploy', 'container'],
    ['fromimds', 'Deploy', 'imdsCredentials'],
  ] as const) {
    it(`credd switch ${profile} serves ${role} to the aws CLI and the JS SDK; 20 clients cause one STS call and one source call`, async () => {
      const before = { assume: sts.counts['AssumeRole'] ?? 0, ...ambient.counts };
      const sw = await j.box.credd(['switch', profile]);
      assert.equal(sw.code, 0, sw.stderr);
      assert.match(sw.stdout, new RegExp(`^Switched to ${profile} as arn:aws:sts::123456789012:assumed-role/${role}/`));
      assert.deepEqual(await j.requests(20), Array.from({ length: 20 }, () => 200));
      const [cli, sdk] = await Promise.all([j.awsCli(), j.jsSdk()]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, new RegExp(`^arn:aws:sts::123456789012:assumed-role/${role}/`));
      assert.equal(sdk.code, 0, sdk.stderr);
      assert.match(sdk.stdout, new RegExp(`^arn:aws:sts::123456789012:assumed-role/${role}/`));
      assert.equal((sts.counts['AssumeRole'] ?? 0) - before.assume, 1);
      if (counted !== undefined) assert.equal(ambient.counts[counted] - before[counted], 1);
    });
  }

  it('credd list names the kind: a role whose source is credential_source X', async () => {
    const text = (await j.box.credd(['list'])).stdout;
    assert.match(text, /\n {2}fromecs +role ← credential_source EcsContainer +arn:aws:iam::123456789012:role\/Deploy\n/);
    assert.match(text, /\n {2}fromenv +role ← credential_source Environment +arn:aws:iam::123456789012:role\/ReadOnly\n/);
    assert.match(text, /\n\* fromimds +role ← credential_source Ec2InstanceMetadata +arn:aws:iam::123456789012:role\/Deploy\n/);
  });

  it('a role with both sources, or an unknown one, is refused with one sentence', async () => {
    const both = await j.box.credd(['switch', 'both']);
    assert.equal(both.code, 1);
    assert.equal(both.stderr, `credd: Profile "both" in ${j.box.configFile} has both source_profile and credential_source; keep one.\n`);
    const typo = await j.box.credd(['switch', 'typo']);
    assert.equal(typo.code, 1);
    assert.equal(typo.stderr, `credd: Profile "typo" in ${j.box.configFile}: credential_source "Ec2Metadata" is not one of Environment, Ec2InstanceMetadata, EcsContainer.\n`);
  });

  describe('a daemon whose environment points at itself (started from a shell with credd env)', () => {
    let box: Sandbox;
    let daemon: DaemonProcess;
    let port: number;

    before(async () => {
      port = await freePort();
      box = await sandbox({
        stsUrl: sts.url,
        config: config(roles.deploy, roles.readOnly),
        extraEnv: {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/v1/credentials`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: 'whatever',
          AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://localhost:${port}/`,
        },
      });
      daemon = await startDaemonProcess(box.env, ['--port', String(port)]);
      assert.equal(daemon.port, port);
    });

    after(async () => {
      await daemon?.stop();
      await box?.cleanup();
    });

    it('refuses EcsContainer and Ec2InstanceMetadata instead of asking itself', async () => {
      const ecs = await box.credd(['switch', 'fromecs']);
      assert.equal(ecs.code, 1);
      assert.equal(
        ecs.stderr,
        `credd: Profile "fromecs": credential_source EcsContainer would ask credd itself: AWS_CONTAINER_CREDENTIALS_FULL_URI (http://127.0.0.1:${port}/v1/credentials) in the daemon's environment is this daemon; start the daemon where that endpoint is the real one, or use source_profile.\n`,
      );
      const imds = await box.credd(['switch', 'fromimds']);
      assert.equal(imds.code, 1);
      assert.equal(
        imds.stderr,
        `credd: Profile "fromimds": credential_source Ec2InstanceMetadata would ask credd itself: the instance metadata endpoint (http://localhost:${port}) in the daemon's environment is this daemon; start the daemon where that endpoint is the real one, or use source_profile.\n`,
      );
      const env = await box.credd(['switch', 'fromenv']);
      assert.equal(env.code, 1);
      assert.equal(
        env.stderr,
        'credd: Profile "fromenv": credential_source Environment needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the daemon\'s environment, and they were not set when it started.\n',
      );
    });
  });
});
