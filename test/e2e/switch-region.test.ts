/**
 * `credd switch P` records P's region for the shells set up by `credd init` / `credd env`
 * ($CREDD_HOME/region, read at each prompt). The daemon names the region from the config it
 * serves P from, so the CLI parses no config: its own, the nearest up the source_profile chain,
 * none (the file emptied, never an invented region), and a config edited a moment before the
 * switch counts, for the role and for the region alike.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

describe('credd switch records the profile region for the shells', () => {
  let sts: StsEmulator;
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  let config: (ownRegion: string) => string;
  const region = async (): Promise<string> => fs.readFile(path.join(box.home, 'region'), 'utf8');

  before(async () => {
    sts = await startStsEmulator();
    const alice = sts.createUser({ userName: 'alice' });
    const dev = sts.createRole({ roleName: 'Dev', trustedPrincipals: [alice.arn] });
    const ops = sts.createRole({ roleName: 'Ops', trustedPrincipals: [alice.arn] });
    config = (ownRegion) =>
      [
        '[profile base]\nregion = eu-west-1\n',
        `[profile dev]\nsource_profile = base\nrole_arn = ${dev.arn}\n`,
        `[profile ops]\nsource_profile = base\nrole_arn = ${ops.arn}\nregion = ${ownRegion}\n`,
        `[profile bare]\nrole_arn = ${dev.arn}\nsource_profile = nowhere\n`,
        '[profile nowhere]\n',
      ].join('\n');
    box = await sandbox({ stsUrl: sts.url, config: config('ap-south-1') });
    for (const p of ['base', 'nowhere']) {
      const added = await box.credd(['add', p, '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
      assert.equal(added.code, 0, added.stderr);
    }
    daemon = await startDaemonProcess(box.env);
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it("its own region, else the nearest up the source chain, else none; never the shell's AWS_REGION", async () => {
    const steps: Array<[string, string]> = [
      ['ops', 'ap-south-1\n'],
      ['dev', 'eu-west-1\n'],
      ['bare', ''],
      ['ops', 'ap-south-1\n'],
    ];
    // The CLI's own config names other regions for every profile: only the daemon's answer gives the right one.
    const decoy = path.join(path.dirname(box.configFile), 'decoy-config');
    await fs.writeFile(decoy, config('us-east-2').replaceAll('eu-west-1', 'us-east-2').replace('[profile nowhere]\n', '[profile nowhere]\nregion = us-east-2\n'));
    for (const [profile, want] of steps) {
      const r = await box.credd(['switch', profile], { env: { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2', AWS_CONFIG_FILE: decoy } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await region(), want, `after switch ${profile}`);
    }
  });

  it('a region edited in the config just before the switch is the one recorded (the switch looks at the config afresh)', async () => {
    assert.equal((await box.credd(['switch', 'dev'])).code, 0);
    for (const next of ['sa-east-1', 'ca-central-1', 'eu-north-1']) {
      await fs.writeFile(box.configFile, config(next));
      const r = await box.credd(['switch', 'ops']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await region(), `${next}\n`);
      assert.equal((await box.credd(['switch', 'dev'])).code, 0);
    }
  });
});
