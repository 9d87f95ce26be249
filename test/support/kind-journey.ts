// Shared steps of the profile-kind journeys: a sandbox with a running daemon, the real clients
// (aws CLI, JS SDK default chain) pointed at it by `credd env` only, and N raw ECS requests.
import assert from 'node:assert/strict';
import path from 'node:path';
import { cleanEnv, run, sandbox, ROOT, type RunResult, type Sandbox } from './cli-harness.js';
import { startDaemonProcess, type DaemonProcess } from './daemon-process.js';
import { httpGet, parseExports } from './journey-helpers.js';

export interface KindJourney {
  box: Sandbox;
  daemon: DaemonProcess;
  /** Where the test's files (token files, scripts) live, beside the AWS config. */
  dir: string;
  vars(): Promise<Record<string, string>>;
  awsCli(): Promise<RunResult>;
  jsSdk(): Promise<RunResult>;
  /** `n` concurrent ECS requests, as n SDK clients would send them; their statuses. */
  requests(n: number): Promise<number[]>;
  close(): Promise<void>;
}

export async function startKindJourney(opts: { config: string; stsUrl: string; daemonEnv?: Record<string, string> }): Promise<KindJourney> {
  const box = await sandbox({ config: opts.config, stsUrl: opts.stsUrl, ...(opts.daemonEnv && { extraEnv: opts.daemonEnv }) });
  const daemon = await startDaemonProcess(box.env);
  const dir = path.dirname(box.configFile);
  const vars = async (): Promise<Record<string, string>> => {
    const r = await box.credd(['env']);
    assert.equal(r.code, 0, r.stderr);
    return parseExports(r.stdout);
  };
  const clientEnv = async (): Promise<Record<string, string>> =>
    cleanEnv({ ...(await vars()), AWS_ENDPOINT_URL_STS: opts.stsUrl, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent/config' });
  return {
    box,
    daemon,
    dir,
    vars,
    awsCli: async () => run('aws', ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env: await clientEnv() }),
    jsSdk: async () => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/whoami.ts')], { env: await clientEnv() }),
    requests: async (n) => {
      const v = await vars();
      const results = await Promise.all(Array.from({ length: n }, () => httpGet(v['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', v['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '')));
      return results.map((r) => r.status);
    },
    close: async () => {
      await daemon.stop();
      await box.cleanup();
    },
  };
}

/** Polls until `check` holds (the daemon works on its own clock and timers), or fails after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
