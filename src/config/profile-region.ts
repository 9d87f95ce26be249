import path from 'node:path';
import { readIfExists } from '../platform/private-files.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';
import { loadAwsConfig, type AwsConfig } from './aws-config.js';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The region a program using PROFILE should get: the profile's own `region`, else the
 * nearest one up its source_profile chain, else the user's AWS_REGION / AWS_DEFAULT_REGION.
 * undefined when there is none (credd never invents one for clients).
 */
export function profileRegion(config: AwsConfig, name: string, env: NodeJS.ProcessEnv): string | undefined {
  const seen = new Set<string>();
  for (let current: string | undefined = name; current !== undefined && !seen.has(current); ) {
    seen.add(current);
    const section = config.profiles.get(current);
    const region = valid(section?.['region']);
    if (region !== undefined) return region;
    current = section?.['source_profile']?.trim() || undefined;
  }
  return valid(env['AWS_REGION']) ?? valid(env['AWS_DEFAULT_REGION']);
}

/** AWS_REGION for the JS/Go/Java SDKs, AWS_DEFAULT_REGION for botocore and the AWS CLI. */
export function regionVariables(region: string | undefined): Record<string, string> {
  return region === undefined ? {} : { AWS_REGION: region, AWS_DEFAULT_REGION: region };
}

/** The active profile's region, one line, read by the shell code of `credd env` at each prompt. */
export function activeRegionFile(home: string): string {
  return path.join(home, 'region');
}

export async function saveActiveRegion(home: string, region: string | undefined): Promise<void> {
  // Shell code reads this file at every prompt: only a well-formed region name is ever written
  // (the daemon's answer is checked here like the config's own values).
  const name = valid(region);
  await writeFileAtomic(activeRegionFile(home), name === undefined ? '' : `${name}\n`);
}

export async function loadActiveRegion(home: string): Promise<string | undefined> {
  return valid((await readIfExists(activeRegionFile(home)))?.split('\n')[0]);
}

function valid(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t !== undefined && REGION.test(t) ? t : undefined;
}

/** AWS_REGION and AWS_DEFAULT_REGION for a program run under PROFILE (`credd exec`, a pinned `credd env`). */
export async function regionVariablesFor(configFile: string, profile: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  return regionVariables(profileRegion(await loadAwsConfig(configFile), profile, env));
}
