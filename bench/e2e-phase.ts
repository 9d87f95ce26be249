// Part 2: the real `aws sts get-caller-identity` (against the emulator), N times, with
// credentials from credd's container endpoint vs from a credential_process helper.
import fs from 'node:fs/promises';
import path from 'node:path';
import { cleanEnv, run } from '../test/shared/run-process.js';
import type { StsEmulatorClient } from '../test/shared/sts-emulator-client.js';
import { BENCH_DIR } from './setup.js';
import { median } from './stats.js';

export interface E2eRow {
  variant: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** AssumeRole calls the emulator saw during this variant's runs. */
  assumeRoles: number;
}

export interface E2eOptions {
  dir: string;
  runs: number;
  stsUrl: string;
  emulator: StsEmulatorClient;
  credd: { port: number; token: string };
  user: { accessKeyId: string; secretAccessKey: string };
  roleArn: string;
  expectArn: RegExp;
}

export async function e2ePhase(opts: E2eOptions): Promise<E2eRow[]> {
  const helper = path.join(BENCH_DIR, 'credential-process-helper.mjs');
  const keyFile = path.join(opts.dir, 'helper-key.json');
  await fs.writeFile(keyFile, JSON.stringify(opts.user), { mode: 0o600 });
  const base = { AWS_ENDPOINT_URL_STS: opts.stsUrl, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' };
  // One real helper call gives the credentials for the cached and static variants.
  const once = await run(process.execPath, [helper, keyFile, opts.roleArn], { env: cleanEnv(base) });
  if (once.code !== 0) throw new Error(`credential_process helper failed: ${once.stderr}`);
  const cachedFile = path.join(opts.dir, 'helper-cached.json');
  await fs.writeFile(cachedFile, once.stdout, { mode: 0o600 });
  const creds = JSON.parse(once.stdout) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
  const configFile = path.join(opts.dir, 'helper-aws-config');
  await fs.writeFile(
    configFile,
    `[profile helper]\nregion = us-east-1\ncredential_process = ${process.execPath} ${helper} ${keyFile} ${opts.roleArn}\n\n` +
      `[profile cached]\nregion = us-east-1\ncredential_process = ${process.execPath} ${helper} --cached ${cachedFile}\n`,
  );

  const variants: Array<{ name: string; env: Record<string, string> }> = [
    {
      name: 'credd (container endpoint)',
      env: cleanEnv({ ...base, AWS_CONFIG_FILE: '/nonexistent/config', AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${opts.credd.port}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: opts.credd.token }),
    },
    { name: 'credential_process helper (Node + SDK, AssumeRole per call)', env: cleanEnv({ ...base, AWS_CONFIG_FILE: configFile, AWS_PROFILE: 'helper' }) },
    { name: 'credential_process helper, cache hit (Node, no SDK, no STS)', env: cleanEnv({ ...base, AWS_CONFIG_FILE: configFile, AWS_PROFILE: 'cached' }) },
    {
      name: 'static keys in the environment (floor)',
      env: cleanEnv({ ...base, AWS_CONFIG_FILE: '/nonexistent/config', AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken }),
    },
  ];
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const assumes = new Map<string, number>(variants.map((v) => [v.name, 0]));
  for (let round = -1; round < opts.runs; round++) {
    for (const v of variants) {
      const before = (await opts.emulator.counts())['AssumeRole'] ?? 0;
      const t0 = process.hrtime.bigint();
      const r = await run('aws', ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env: v.env, timeoutMs: 60_000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.code !== 0 || !opts.expectArn.test(r.stdout)) throw new Error(`aws sts get-caller-identity (${v.name}) failed (exit ${r.code}): ${r.stdout}${r.stderr}`);
      if (round < 0) continue; // warm-up round: Python's and Node's caches
      times.get(v.name)?.push(ms);
      assumes.set(v.name, (assumes.get(v.name) ?? 0) + ((await opts.emulator.counts())['AssumeRole'] ?? 0) - before);
    }
  }
  return variants.map((v) => {
    const t = times.get(v.name) ?? [];
    return { variant: v.name, runs: t.length, medianMs: median(t), minMs: Math.min(...t), maxMs: Math.max(...t), assumeRoles: assumes.get(v.name) ?? 0 };
  });
}

export async function awsCliVersion(): Promise<string> {
  const r = await run('aws', ['--version'], { env: cleanEnv() });
  return `${r.stdout}${r.stderr}`.trim();
}
