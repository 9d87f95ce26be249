/**
 * Day-one trip-ups from the built CLI: usage errors exit 2 with one line of help, a config
 * typo never silently changes a role (for commands and credential requests alike), a changed
 * profile never gets the old role's cached credentials, and `credd logs` finds the log of a
 * daemon started by hand.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, run, sandbox, type Sandbox } from '../support/cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { httpGet, parseExports } from '../support/journey-helpers.js';
import { startStsEmulator, type EmulatedRole, type StsEmulator } from '../support/sts-emulator.js';

describe('daily driver: exit codes, strict config, logs', () => {
  let sts: StsEmulator;
  let box: Sandbox;
  let daemon: DaemonProcess | undefined;
  let dev: EmulatedRole;
  let admin: EmulatedRole;
  let good: string;

  const endpoint = async (): Promise<{ status: number; body: string; vars: Record<string, string> }> => {
    const vars = parseExports((await box.credd(['env'])).stdout);
    const r = await httpGet(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '');
    return { ...r, vars };
  };

  /**
   * The daemon looks at the config at most once a second: poll until it answers `done`, and
   * check every answer before that with `meanwhile` (the state it had before the edit).
   */
  const endpointUntil = async (
    done: (r: Awaited<ReturnType<typeof endpoint>>) => boolean,
    meanwhile: (r: Awaited<ReturnType<typeof endpoint>>) => void,
  ): Promise<Awaited<ReturnType<typeof endpoint>>> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await endpoint();
      if (done(r)) return r;
      meanwhile(r);
      assert.ok(Date.now() < deadline, `the daemon did not pick up the config edit: ${r.status} ${r.body}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  before(async () => {
    sts = await startStsEmulator();
    const alice = sts.createUser({ userName: 'alice' });
    dev = sts.createRole({ roleName: 'Dev', trustedPrincipals: [alice.arn] });
    admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
    good = `[profile base]\nregion = eu-west-1\n\n[profile dev]\nsource_profile = base\nrole_arn = ${dev.arn}\n`;
    box = await sandbox({ stsUrl: sts.url, config: good });
    const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
    assert.equal(added.code, 0, added.stderr);
  });

  after(async () => {
    await daemon?.stop();
    await box?.cleanup();
    await sts?.close();
  });

  it('usage errors exit 2; a typo gets the suggestion and one line of help', async () => {
    const typo = await box.credd(['swich']);
    assert.equal(typo.code, 2);
    assert.equal(typo.stderr, "error: unknown command 'swich'\n(Did you mean switch?)\n(run 'credd --help' for the commands, 'credd COMMAND --help' for one)\n");
    const missing = await box.credd(['switch']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: missing required argument 'profile'\n\(run 'credd --help'[^\n]*\)\n$/);
    const format = await box.credd(['export', '--format', 'yaml', 'x']);
    assert.equal(format.code, 2);
    assert.equal(format.stderr, 'credd: --format takes json or env, not "yaml".\n');
    const shell = await box.credd(['env', '--hook', 'tcsh']);
    assert.equal(shell.code, 2);
    assert.equal(shell.stdout, '', 'nothing half-printed for an eval');
    assert.equal((await box.credd(['--version'])).code, 0);
    assert.equal((await box.credd(['--help'])).code, 0);
  });

  it('credd logs says where logs go when no daemon runs', async () => {
    const r = await box.credd(['logs', '-n', '3']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^credd: No credd log found \(looked at [^\n]*\): no credd daemon is running and none left a log; [^\n]*\n$/);
  });

  it('credd logs -n N prints lines of a daemon started with plain `credd daemon`', async () => {
    daemon = await startDaemonProcess(box.env);
    const sw = await box.credd(['switch', 'dev']);
    assert.equal(sw.code, 0, sw.stderr);
    const r = await box.credd(['logs', '-n', '2']);
    assert.equal(r.code, 0, r.stderr);
    const entries = r.stdout.split('\n').filter((l) => /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] [A-Z]+: /.test(l));
    assert.equal(entries.length, 2, r.stdout);
    assert.match(r.stdout, /credentials obtained/);
  });

  it('a config typo fails every command and credential request with file and line, never a different role', async () => {
    const first = await endpoint();
    assert.equal(first.status, 200, first.body);
    await fs.appendFile(box.configFile, `[profile broken\nrole_arn = ${admin.arn}\n`);
    const want = new RegExp(`${box.configFile} line 7: "\\[profile broken" is not a section header`);
    for (const args of [['list'], ['switch', 'dev'], ['exec', 'dev', '--', 'true'], ['doctor']]) {
      const r = await box.credd(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stdout + r.stderr, want, args.join(' '));
    }
    const served = await endpointUntil(
      (r) => r.status !== 200,
      // Until the daemon has looked at the file again it serves what it had: the same role.
      (r) => assert.equal(JSON.parse(r.body).AccessKeyId, JSON.parse(first.body).AccessKeyId),
    );
    assert.equal(served.status, 409, served.body);
    assert.match((JSON.parse(served.body) as { Message: string }).Message, want);
  });

  it('credentials cached for an older definition of a profile are not served for the new one', async () => {
    await fs.writeFile(box.configFile, good);
    // The previous test left a broken file: it fails until the daemon has seen the fix.
    const before = await endpointUntil((r) => r.status === 200, (r) => assert.equal(r.status, 409, r.body));
    await fs.writeFile(box.configFile, good.replace(dev.arn, admin.arn));
    const oldKey = JSON.parse(before.body).AccessKeyId;
    const after = await endpointUntil(
      (r) => r.status !== 200 || JSON.parse(r.body).AccessKeyId !== oldKey,
      () => undefined,
    );
    assert.equal(after.status, 200, after.body);
    assert.notEqual(JSON.parse(after.body).AccessKeyId, oldKey);
    const env = cleanEnv({ ...after.vars, AWS_ENDPOINT_URL_STS: sts.url, AWS_DEFAULT_REGION: 'eu-west-1', AWS_CONFIG_FILE: '/nonexistent/config' });
    const who = await run('aws', ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env });
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /assumed-role\/Admin\//);
  });
});
