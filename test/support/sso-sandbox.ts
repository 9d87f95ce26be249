// One IAM Identity Center world for end-to-end journeys: an STS emulator holding the roles, an
// SSO emulator whose GetRoleCredentials mints sessions of those roles (so real clients see
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/USER), a credd sandbox with its own HOME (the token
// cache is $HOME/.aws/sso/cache) and the encrypted-file store, and the built daemon.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, run, sandbox, ROOT, type RunResult, type Sandbox } from './cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from './daemon-process.js';
import { httpGet, parseExports } from './journey-helpers.js';
import { startSsoEmulator, type SsoEmulator } from './sso-emulator.js';
import { ssoCacheFile } from './sso-journey-helpers.js';
import { startStsEmulator, type StsEmulator } from './sts-emulator.js';

export const ACCOUNT = '111111111111';
export const DEPLOY_ACCOUNT = '222222222222';
export const CORP_URL = 'https://d-1234567890.awsapps.com/start';
export const LEGACY_URL = 'https://d-legacy0001.awsapps.com/start';

export const SSO_CONFIG = `[sso-session corp]
sso_start_url = ${CORP_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Admin
region = us-east-1

[profile legacy]
sso_start_url = ${LEGACY_URL}
sso_region = eu-west-1
sso_account_id = ${ACCOUNT}
sso_role_name = ReadOnly
region = eu-west-1

[profile deploy]
source_profile = dev
role_arn = arn:aws:iam::${DEPLOY_ACCOUNT}:role/Deploy
region = us-east-1
`;

export interface SsoSandbox {
  sts: StsEmulator;
  emu: SsoEmulator;
  box: Sandbox;
  daemon: DaemonProcess;
  /** The HOME of the CLI and the daemon. */
  home: string;
  /** The token cache files of [sso-session corp] and of the legacy profile. */
  corpFile: string;
  legacyFile: string;
  /** What `credd env [PROFILE]` prints, parsed. */
  env(profile?: string): Promise<Record<string, string>>;
  /** GET the container endpoint as an SDK would, with `credd env`'s variables. */
  fetchCredentials(vars: Record<string, string>): Promise<{ status: number; body: string }>;
  /** Caller ARN as the real aws CLI / the JS SDK default chain see it, given only `vars`. */
  awsCli(vars: Record<string, string>): Promise<string>;
  jsSdk(vars: Record<string, string>): Promise<string>;
  /** Env for an AWS SDK child using the sandbox's HOME, config and emulators directly. */
  sdkEnv(): Record<string, string>;
  close(): Promise<void>;
}

export const ok = (r: RunResult): RunResult => {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r;
};

export async function startSsoSandbox(): Promise<SsoSandbox> {
  const sts = await startStsEmulator();
  const admin = sts.createRole({ roleName: 'Admin', accountId: ACCOUNT });
  sts.createRole({ roleName: 'ReadOnly', accountId: ACCOUNT });
  // The chained role trusts the SSO role (as a permission set's role would be named in a trust policy).
  sts.createRole({ roleName: 'Deploy', accountId: DEPLOY_ACCOUNT, trustedPrincipals: [admin.arn] });
  const emu = await startSsoEmulator({
    pollIntervalSeconds: 1,
    issue: (accountId, roleName, ctx) => sts.issueRoleSession(`arn:aws:iam::${accountId}:role/${roleName}`, ctx.user, ctx.durationSeconds),
  });
  emu.entitle(ACCOUNT, 'Admin', { startUrl: CORP_URL });
  emu.entitle(ACCOUNT, 'ReadOnly', { startUrl: LEGACY_URL });
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-sso-home-'));
  const box = await sandbox({
    stsUrl: sts.url,
    config: SSO_CONFIG,
    extraEnv: {
      HOME: home,
      AWS_ENDPOINT_URL_SSO: emu.url,
      AWS_ENDPOINT_URL_SSO_OIDC: emu.url,
      CREDD_STORE: 'file',
      CREDD_FILE_PASSPHRASE: 'sso-journey-passphrase',
    },
  });
  const daemon = await startDaemonProcess(box.env);
  const clientEnv = (vars: Record<string, string>) =>
    cleanEnv({ ...vars, AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent/config' });
  return {
    sts,
    emu,
    box,
    daemon,
    home,
    corpFile: ssoCacheFile(home, 'corp'),
    legacyFile: ssoCacheFile(home, LEGACY_URL),
    env: async (profile) => parseExports(ok(await box.credd(profile === undefined ? ['env'] : ['env', profile])).stdout),
    fetchCredentials: (vars) => httpGet(vars['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', vars['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? ''),
    awsCli: async (vars) => ok(await run('aws', ['sts', 'get-caller-identity', '--output', 'text', '--query', 'Arn'], { env: clientEnv(vars) })).stdout.trim(),
    jsSdk: async (vars) => ok(await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/whoami.ts')], { env: clientEnv(vars) })).stdout.trim(),
    sdkEnv: () =>
      cleanEnv({
        HOME: home,
        AWS_CONFIG_FILE: box.configFile,
        AWS_ENDPOINT_URL_SSO: emu.url,
        AWS_ENDPOINT_URL_SSO_OIDC: emu.url,
        AWS_ENDPOINT_URL_STS: sts.url,
      }),
    close: async () => {
      await daemon.stop();
      await box.cleanup();
      await fs.rm(home, { recursive: true, force: true });
      await emu.close();
      await sts.close();
    },
  };
}
