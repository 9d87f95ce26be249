// `node --import tsx bench/cpu-ratio.ts [requests] [--profile]`: the issue 17 CPU figure alone, in
// under a minute: process CPU per cached ECS request of credd and of the bare node:http floor,
// same keep-alive clients, interleaved rounds (the better round of each counts, so a burst of
// other work on the machine does not decide the ratio). With --profile, a CPU profile of credd.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { requestsFor, runLoad } from './load.js';
import { cpuMsOf } from './procfs.js';
import { awsConfig, createIdentities, httpRequest, startBareServer, startCredd, startEmulator } from './setup.js';
import { summariseProfile } from './cpu-profile.js';

const args = process.argv.slice(2);
const amount = Number(args.find((a) => /^\d+$/.test(a)) ?? 20_000);
const profile = args.includes('--profile');
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-cpu-'));
const stops: Array<() => Promise<void>> = [];
try {
  const emulator = await startEmulator(dir);
  stops.push(emulator.stop);
  const ids = await createIdentities(emulator.client, { readonly: 'ReadOnly' });
  const configFile = path.join(dir, 'aws-config');
  await fs.writeFile(configFile, awsConfig(ids.roles));
  const cpuProfile = path.join(dir, 'prof');
  const credd = await startCredd(dir, { name: 'credd', stsUrl: emulator.url, configFile, user: ids.user, ...(profile && { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cpuProfile}`] }) });
  stops.push(credd.stop);
  await credd.cli(['switch', 'readonly']);
  const ecs = await httpRequest({ port: credd.port }, 'GET', '/v1/credentials', { authorization: credd.token });
  const bare = await startBareServer(dir, { ecs: ecs.body, imds: '', token: '' });
  stops.push(bare.stop);
  const requests = requestsFor('ecs', { ecsToken: credd.token, role: '' });
  const round = async (port: number, pid: number): Promise<number> => {
    const cpu0 = cpuMsOf(pid);
    const r = await runLoad({ port, pid, connections: 10, amount, requests });
    // Let credd write the audit lines the round queued: that work belongs to these requests.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return ((cpuMsOf(pid) - cpu0) * 1000) / r.requests;
  };
  const c: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 3; i++) {
    b.push(await round(bare.port, bare.pid));
    c.push(await round(credd.port, credd.pid));
  }
  const best = (xs: number[]): number => Math.min(...xs);
  process.stdout.write(`load ${os.loadavg()[0]?.toFixed(1)}; µs/request credd ${c.map((x) => x.toFixed(0)).join(' ')}, bare ${b.map((x) => x.toFixed(0)).join(' ')}; best ratio ${(best(c) / best(b)).toFixed(2)}×\n`);
  if (profile) {
    await credd.stop();
    const file = (await fs.readdir(cpuProfile)).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      const summary = await summariseProfile(path.join(cpuProfile, file), /./, { top: 25 });
      process.stdout.write(`${JSON.stringify(summary, null, 1).slice(0, 6000)}\n`);
    }
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
}
