// Issue 13 item 8: a hostile ~/.aws/config, credentials file, log or audit file cannot put a
// control character on the user's terminal through any credd command, and machine outputs
// (--json) still carry the exact values. Each class of control is tried: CSI, CR, BEL, C1 CSI,
// DEL, OSC 8 (hyperlink), OSC 52 (clipboard write), bidi override U+202E, line separator U+2028.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../support/cli-harness.js';
import { startHarness, type Harness } from '../support/hardening-harness.js';

const HOSTILE: Record<string, string> = {
  csi: '\u001b[31mred\u001b[2J',
  cr: 'shown\rhidden',
  bel: 'ring\u0007',
  c1: 'c1\u009b2J',
  del: 'del\u007f',
  osc8: '\u001b]8;;http://evil.example/\u001b\\link\u001b]8;;\u001b\\',
  osc52: '\u001b]52;c;cm0gLXJmIH4=\u0007',
  rlo: 'txt\u202egnp.exe',
  ls: 'line\u2028sep',
};
// Every control but the line feed, which is the CLI's own line structure.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

function assertClean(r: RunResult, what: string): void {
  for (const [stream, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const hit = RAW.exec(text);
    assert.equal(hit, null, `${what}: a raw U+${hit?.[0].charCodeAt(0).toString(16).padStart(4, '0')} reached ${stream}: ${JSON.stringify(text.slice(Math.max(0, (hit?.index ?? 0) - 60), (hit?.index ?? 0) + 20))}`);
  }
}

describe('no command prints a control character it did not write itself', () => {
  let h: Harness;
  let creds: string;
  before(async () => {
    const config = Object.entries(HOSTILE).flatMap(([k, v]) => [
      // A role whose source profile, MFA device and session name carry controls.
      `[profile x-${k}]`, 'source_profile = base', `role_arn = ${'arn:aws:iam::123456789012:role/Nope'}${v}`, `mfa_serial = arn:aws:iam::123456789012:mfa/m${v}`, `role_session_name = s${v}`, '',
      `[profile y-${k}]`, `source_profile = gone${v}`, 'role_arn = arn:aws:iam::123456789012:role/R', '',
      `[profile z-${k}]`, `credential_process = /nonexistent/helper${v} --flag`, '',
      `[profile r-${k}]`, 'source_profile = base', 'role_arn = arn:aws:iam::123456789012:role/R', `region = eu${v}`, '',
    ]);
    h = await startHarness({ extraConfig: config.join('\n') });
    // The credentials file is the one place a profile NAME itself can carry controls.
    creds = path.join(h.box.home, '..', 'credentials');
    await fs.writeFile(creds, Object.entries(HOSTILE).flatMap(([k, v]) => [`[k-${k}${v}]`, 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '']).join('\n'));
  });
  after(async () => h?.close());

  const credd = (args: string[]): Promise<RunResult> => h.box.credd(args, { env: { AWS_SHARED_CREDENTIALS_FILE: creds } });

  it('list: names from the credentials file and values from the config are escaped; --json keeps them exact', async () => {
    const human = await credd(['list']);
    assert.equal(human.code, 0, human.stderr);
    assertClean(human, 'credd list');
    assert.match(human.stdout, /k-csi\\u001b\[31mred/, 'the hostile name is shown, escaped');
    assert.match(human.stdout, /gone\\u001b\]52;c;/);
    const json = await credd(['list', '--json']);
    assertClean(json, 'credd list --json');
    const names = (JSON.parse(json.stdout) as Array<{ name: string }>).map((p) => p.name);
    for (const [k, v] of Object.entries(HOSTILE)) {
      if (k === 'cr' || k === 'ls') continue; // the SDK's ini parser ends the line there: no such section
      assert.ok(names.includes(`k-${k}${v}`), `list --json lost or changed the name k-${k}: ${JSON.stringify(names)}`);
    }
  });

  it('switch, status, status --json, doctor: STS and config errors are escaped, JSON exact', async () => {
    // Every class through a role's values; the other two profile kinds with three classes each (CLI runs are slow on a loaded machine).
    for (const k of Object.keys(HOSTILE)) {
      for (const p of [`x-${k}`, ...(['csi', 'osc52', 'rlo'].includes(k) ? [`y-${k}`, `z-${k}`] : [])]) {
        const r = await credd(['switch', p]);
        assert.notEqual(r.code, 0, `${p} cannot work`);
        assertClean(r, `credd switch ${p}`);
        assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, `one line of error: ${r.stderr}`);
      }
    }
    const ok = await credd(['switch', 'r-csi']);
    assertClean(ok, 'credd switch r-csi');
    const status = await credd(['status']);
    assert.equal(status.code, 0, status.stderr);
    assertClean(status, 'credd status');
    const json = await credd(['status', '--json']);
    assertClean(json, 'credd status --json');
    assert.doesNotThrow(() => JSON.parse(json.stdout), json.stdout);
    const doctor = await credd(['doctor']);
    assertClean(doctor, 'credd doctor');
    assert.match(doctor.stdout, /k-osc52\\u001b\]52;c;/, 'doctor names the hostile profile, escaped');
  });

  it('export and env print shell code with no raw control (a hostile region is refused, not quoted)', async () => {
    for (const args of [['export', 'r-osc52', '--format', 'env'], ['export', 'r-osc52'], ['env', 'r-csi'], ['env'], ['env', '--shell', 'fish', 'r-bel']]) {
      const r = await credd(args);
      assertClean(r, `credd ${args.join(' ')}`);
      assert.doesNotMatch(r.stdout, /AWS_REGION=.*eu\\u/, 'a region that is not one is not exported');
    }
  });

  it('logs and audit: hostile lines are shown escaped, one line each', async () => {
    const log = path.join(h.box.home, '..', 'hostile.log');
    const lines = Object.values(HOSTILE).flatMap((v) => [JSON.stringify({ level: 30, time: 0, msg: `served ${v}`, profile: v, [`k${v}`]: 1 }), `not json ${v}`]);
    await fs.writeFile(log, `${lines.join('\n')}\n`);
    const logs = await credd(['logs', '--file', log, '--lines', '100']);
    assert.equal(logs.code, 0, logs.stderr);
    assertClean(logs, 'credd logs');
    assert.match(logs.stdout, /served \\u001b\]8;;http/);
    const audit = await credd(['audit', '--limit', '1000']);
    assertClean(audit, 'credd audit');
  });

  it('usage errors repeat what was typed escaped (commander\'s own messages too)', async () => {
    for (const args of [['list', `--bogus${HOSTILE['osc52'] ?? ''}`], [`lisst${HOSTILE['csi'] ?? ''}`], ['export', 'readonly', '--format', `x${HOSTILE['rlo'] ?? ''}`]]) {
      const r = await credd(args);
      assert.notEqual(r.code, 0);
      assertClean(r, `credd ${JSON.stringify(args)}`);
    }
  });
});
