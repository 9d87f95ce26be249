// A sandbox for session-scope journeys: an emulator with Dev, an MFA-guarded role and a chained
// Deploy role, a config with scope keys, a running daemon, and `credd exec` children that report
// what they got and wait until told to exit.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CREDD_BIN, sandbox, type RunResult, type Sandbox } from './cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from './daemon-process.js';
import { mfaCodes, type MfaCodes } from './mfa-codes.js';
import { startStsEmulator, type IssuedRoleSession, type StsEmulator } from './sts-emulator.js';

export const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
export const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
export const ONLY_S3 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }] };
/** The child: says where its credentials come from, calls STS with the real aws CLI, then waits for a line. */
const CHILD = 'printf "%s\\n%s\\n" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN"; aws sts get-caller-identity --output text --query Arn || echo FAILED; read _';

export interface RunningExec {
  /** The `credd exec` process (the lease holder); the command it runs is its only child. */
  cli: ChildProcess;
  url: string;
  token: string;
  arn: string;
  finish(): Promise<RunResult>;
}

export interface ScopeWorld {
  sts: StsEmulator;
  box: Sandbox;
  daemon: DaemonProcess;
  codes: MfaCodes;
  dir: string;
  devArn: string;
  startExec(args: string[]): Promise<RunningExec>;
  /** The AssumeRole record behind the key that last signed a successful GetCallerIdentity. */
  sessionOfLastCall(): IssuedRoleSession;
  close(): Promise<void>;
}

/** `daemonArgs`: extra arguments for the daemon (a fixed `--port` for a test that restarts it). */
export async function scopeWorld(daemonArgs: string[] = []): Promise<ScopeWorld> {
  const sts = await startStsEmulator();
  const alice = sts.createUser({ userName: 'alice' });
  const device = sts.addMfaDevice('alice');
  const dev = sts.createRole({ roleName: 'Dev', trustedPrincipals: [alice.arn] });
  const guarded = sts.createRole({ roleName: 'Guarded', trustedPrincipals: [alice.arn], requireMfa: true });
  const deploy = sts.createRole({ roleName: 'Deploy', accountId: '210987654321', trustedPrincipals: [dev.arn] });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-scope-'));
  await fs.writeFile(path.join(dir, 'agent.json'), JSON.stringify(ONLY_S3, null, 2));
  const box = await sandbox({
    stsUrl: sts.url,
    config: [
      '[profile base]\nregion = us-east-1\n',
      `[profile dev]\nsource_profile = base\nrole_arn = ${dev.arn}\n`,
      `[profile other]\nsource_profile = base\nrole_arn = ${dev.arn}\n`,
      `[profile guarded]\nsource_profile = base\nrole_arn = ${guarded.arn}\nmfa_serial = ${device.serial}\n`,
      `[profile deploy]\nsource_profile = dev\nrole_arn = ${deploy.arn}\n`,
      `[profile agent]\nsource_profile = base\nrole_arn = ${dev.arn}\ncredd_policy_arns = ${READ_ONLY}\ncredd_policy_file = ${path.join(dir, 'agent.json')}\nsource_identity = alice\nsession_tags = team=platform,tool=agent\ntransitive_session_tags = team\nrole_session_name = alice@{program}\n`,
      `[profile badtags]\nsource_profile = base\nrole_arn = ${dev.arn}\nsession_tags = team=a,Team=b\n`,
      `[profile basepolicy]\ncredd_policy_arns = ${READ_ONLY}\n`,
      // Named scopes for `--as`: labels only, and one bound to another role.
      '[profile tagonly]\nsource_identity = bob\nsession_tags = tool=mcp\nrole_session_name = bob@{program}\n',
      `[profile deployscope]\nsource_profile = dev\nrole_arn = ${deploy.arn}\ncredd_policy_arns = ${READ_ONLY}\n`,
    ].join('\n'),
  });
  const added = await box.credd(['add', 'base', '--env'], { env: { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey } });
  assert.equal(added.code, 0, added.stderr);
  const daemon = await startDaemonProcess(box.env, daemonArgs);

  async function startExec(args: string[]): Promise<RunningExec> {
    const child = spawn(process.execPath, [CREDD_BIN, 'exec', ...args, '--', 'sh', '-c', CHILD], { env: { ...box.env, AWS_DEFAULT_REGION: 'us-east-1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const got: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      got.push(line);
      if (got.length === 3) break;
    }
    assert.equal(got.length, 3, `credd exec ended early: ${stderr}`);
    const [url = '', token = '', arn = ''] = got;
    return {
      cli: child,
      url,
      token,
      arn,
      finish: async () => {
        child.stdin.end('\n');
        return { code: await exited, stdout: '', stderr };
      },
    };
  }

  return {
    sts,
    box,
    daemon,
    codes: mfaCodes(sts, device.secret),
    dir,
    devArn: dev.arn,
    startExec,
    sessionOfLastCall() {
      const call = sts.calls.filter((c) => c.action === 'GetCallerIdentity' && c.ok).at(-1);
      assert.ok(call, 'the child called STS');
      const record = sts.sessionParams(call.accessKeyId);
      assert.ok(record, 'the key the child used was issued by AssumeRole');
      return record;
    },
    async close() {
      await daemon.stop();
      await box.cleanup();
      await sts.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the audit log (written in batches) holds a line containing `text`. */
export async function waitForAudit(world: ScopeWorld, text: string): Promise<void> {
  const file = path.join(world.box.home, 'audit.log');
  for (let i = 0; i < 100; i++) {
    if ((await fs.readFile(file, 'utf8').catch(() => '')).includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the audit log never recorded ${text}`);
}
