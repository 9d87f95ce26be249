// When a request-path goal misses: a second daemon under `node --cpu-prof`, the same cached
// ECS load for a few seconds, then where its main thread spent the time.
import fs from 'node:fs/promises';
import path from 'node:path';
import { summariseProfile, type ProfileSummary } from './cpu-profile.js';
import { requestsFor, runLoad } from './load.js';
import { startCredd, type Roles } from './setup.js';

export interface ProfileResult {
  scenario: string;
  reqPerSec: number;
  cores: number;
  summary: ProfileSummary;
  file: string;
}

/** Functions whose inclusive time is worth naming (credd's request path and the audit log). */
const FOCUS = /^(served|append|peerOf|viaProc|findPeerProcess|tokenMatches|ecsCredentialsBody|imdsCredentialsBody|awsTimestamp|serve|guardRequest|collapseSlashes|hostAllowed|sendError|exactBody|appendFile|stat|rename)$/;

export async function profilePhase(opts: { dir: string; stsUrl: string; configFile: string; user: Roles['user']; profile: string; seconds: number }): Promise<ProfileResult> {
  const profDir = path.join(opts.dir, 'cpu-profile');
  const credd = await startCredd(opts.dir, { name: 'credd-profiled', stsUrl: opts.stsUrl, configFile: opts.configFile, user: opts.user, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
  let load;
  let fromUs: number;
  try {
    const switched = await credd.cli(['switch', opts.profile]);
    if (switched.code !== 0) throw new Error(`credd switch: ${switched.stderr}`);
    fromUs = Number(process.hrtime.bigint() / 1000n);
    load = await runLoad({ port: credd.port, pid: credd.pid, connections: 10, duration: opts.seconds, requests: requestsFor('ecs', { ecsToken: credd.token, role: opts.profile }) });
  } finally {
    await credd.stop(); // the profile is written as the daemon exits
  }
  const file = (await fs.readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('the profiled daemon wrote no .cpuprofile');
  const kept = path.join(opts.dir, file);
  await fs.rename(path.join(profDir, file), kept);
  return { scenario: 'ecs, 10 connections', reqPerSec: load.requests / load.seconds, cores: load.serverCpu, summary: await summariseProfile(kept, FOCUS, { fromUs }), file: kept };
}
