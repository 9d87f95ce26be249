// `npm run bench`: builds credd, starts the STS emulator, a credd daemon from dist/ and a bare
// node:http server on 127.0.0.1, measures, prints tables and rewrites docs/benchmarks.md.
//   --quick       short smoke run; writes $TMPDIR/credd-bench-quick.md instead of docs/benchmarks.md
//   --profile     always run the CPU-profiled daemon;  --no-profile  never
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../test/shared/run-process.js';
import { control } from './control.js';
import { cpuLadder, ladderContext } from './cpu-ladder.js';
import { cliPhase } from './cli-phase.js';
import { cliProfilePhase } from './cli-profile-phase.js';
import { shellPhase } from './shell-phase.js';
import { consoleReport, markdown } from './docs.js';
import { awsCliVersion, e2ePhase } from './e2e-phase.js';
import { checkGoals, requestPathMissed } from './goals.js';
import { httpPhase } from './http-phase.js';
import { idleWindows } from './idle-phase.js';
import { importFloor } from './import-floor.js';
import { leanDaemonGoals } from './lean-goals.js';
import { memoryPhase } from './memory-phase.js';
import { machineInfo } from './procfs.js';
import { peerUidPhase } from './peer-uid-phase.js';
import { profilePhase } from './profile-phase.js';
import type { Report } from './report.js';
import { awsConfig, BENCH_DIR, createIdentities, httpRequest, startBareServer, startCredd, startEmulator } from './setup.js';
import { steadyPhase } from './steady-phase.js';
import { fmtMb } from './stats.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const settings = quick
  ? { httpSeconds: 1, concurrency: [1, 10], e2eRuns: 2, cliRuns: 3, memoryRequests: 10_000, switches: 100, steadySeconds: 10, lifetime: 150 }
  : { httpSeconds: 3, concurrency: [1, 10, 50], e2eRuns: 15, cliRuns: 20, memoryRequests: 100_000, switches: 1_000, steadySeconds: 85, lifetime: 150 };
const started = Date.now();
const loadAtStart = os.loadavg()[0] ?? NaN;
const log = (line: string): void => void process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

if (loadAtStart > 1.5) log(`load average ${loadAtStart.toFixed(2)}: other work is using the CPU, so numbers will be noisy (it is recorded in the report)`);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-bench-'));
const stops: Array<() => Promise<void>> = [];
try {
  const emulator = await startEmulator(dir);
  stops.push(emulator.stop);
  const ids = await createIdentities(emulator.client, { readonly: 'ReadOnly', admin: 'Admin', short: 'ShortLived' });
  const configFile = path.join(dir, 'aws-config');
  await fs.writeFile(configFile, awsConfig(ids.roles));
  const credd = await startCredd(dir, { name: 'credd', stsUrl: emulator.url, configFile, user: ids.user });
  stops.push(credd.stop);
  const switched = await credd.cli(['switch', 'readonly']);
  if (switched.code !== 0) throw new Error(`credd switch readonly: ${switched.stderr}`);
  log(`emulator ${emulator.url}, credd pid ${credd.pid} on 127.0.0.1:${credd.port}, state in ${dir}`);

  log(`7. idle daemon: credentials cached, nothing connected, two windows of ${quick ? 15 : 60} s`);
  const idle = await idleWindows({ pid: credd.pid, seconds: quick ? 15 : 60 });

  log('4. memory (first, on the fresh daemon); what Node and the daemon\'s libraries take alone');
  const floor = await importFloor();
  const memory = await memoryPhase({ home: credd.home, pid: credd.pid, port: credd.port, ecsToken: credd.token, requests: settings.memoryRequests, switches: settings.switches, profiles: ['readonly', 'admin'] });
  await control(credd.home, 'POST', '/v1/switch', { profile: 'readonly' });

  // The floor answers exactly what credd answers.
  const ecs = await httpRequest({ port: credd.port }, 'GET', '/v1/credentials', { authorization: credd.token });
  const token = await httpRequest({ port: credd.port }, 'PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' });
  const imds = await httpRequest({ port: credd.port }, 'GET', '/latest/meta-data/iam/security-credentials/readonly', { 'x-aws-ec2-metadata-token': token.body });
  for (const [what, reply] of [['ECS', ecs], ['IMDS token', token], ['IMDS', imds]] as const) {
    if (reply.status !== 200) throw new Error(`credd answered ${what} with HTTP ${reply.status}: ${reply.body}`);
  }
  const bare = await startBareServer(dir, { ecs: ecs.body, imds: imds.body, token: token.body });
  stops.push(bare.stop);

  log('1. cached credential requests, credd vs bare node:http');
  const http = await httpPhase(
    {
      credd: { name: 'credd', port: credd.port, pid: credd.pid, home: credd.home },
      bare: { name: 'bare', port: bare.port, pid: bare.pid },
      ecsToken: credd.token,
      role: 'readonly',
      imdsToken: async () => (await httpRequest({ port: credd.port }, 'PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' })).body,
      seconds: settings.httpSeconds,
      concurrency: settings.concurrency,
      moderate: { connections: 10, rate: 2_000 },
    },
    log,
  );
  await bare.stop();

  log('1b. where the CPU per request goes: one layer of credd at a time');
  const ladder = await cpuLadder({ dir, credd: { port: credd.port, pid: credd.pid, token: credd.token, body: ecs.body, home: credd.home }, requests: quick ? 3_000 : 20_000, rounds: 3, connections: 10, log });

  log('6. peer-uid check: per connection and per request');
  const peerUid = await peerUidPhase({ requests: quick ? 200 : 1_000 }, log);

  log('3. CLI latency');
  const cli = await cliPhase({ env: credd.env, runs: settings.cliRuns, cachedProfile: 'readonly' });
  cli.push(...(await shellPhase({ env: credd.env, dir, runs: settings.cliRuns })));
  log('3b. where a command\'s time goes: each under node --cpu-prof');
  const cliProfile = await cliProfilePhase({ dir, env: credd.env, runs: quick ? 2 : 5, cachedProfile: 'readonly' });

  log('2. end to end with the aws CLI');
  const e2e = await e2ePhase({
    dir,
    runs: settings.e2eRuns,
    stsUrl: emulator.url,
    emulator: emulator.client,
    credd: { port: credd.port, token: credd.token },
    user: ids.user,
    roleArn: ids.roles['readonly'] ?? '',
    expectArn: /assumed-role\/ReadOnly\//,
  });

  log(`5. steady state: ${settings.lifetime} s credentials, ${settings.steadySeconds} s of requests`);
  const steady = await steadyPhase({
    home: credd.home,
    pid: credd.pid,
    port: credd.port,
    ecsToken: credd.token,
    profile: 'short',
    emulator: emulator.client,
    cli: (a) => credd.cli(a),
    lifetimeSeconds: settings.lifetime,
    seconds: settings.steadySeconds,
    rate: 1_000,
  });
  await credd.stop();

  const goals = [...checkGoals({ http, cli, memory, steady }), ...leanDaemonGoals({ http, memory, idle })];
  // The layer-by-layer split goes right under the CPU goal it explains.
  goals.splice(goals.findIndex((g) => g.goal.startsWith('CPU per cached ECS request')) + 1, 0, ladderContext(ladder));
  goals.splice(goals.findIndex((g) => g.goal.startsWith('daemon RSS idle')) + 1, 0, {
    goal: '(context) what the idle RSS is made of: Node alone, and Node that only imports fastify, pino and @aws-sdk/client-sts (same V8 flags, this run)',
    target: '',
    measured: `Node alone ${fmtMb(floor.nodeAloneKb)}; with those three imported ${fmtMb(floor.librariesKb)}; credd idle ${fmtMb(memory.idleKb)}`,
    pass: undefined,
  });
  const wantProfile = args.has('--profile') || (!args.has('--no-profile') && requestPathMissed(goals));
  let profile;
  if (wantProfile) {
    log('profile: a daemon under node --cpu-prof with the ECS load');
    profile = await profilePhase({ dir, stsUrl: emulator.url, configFile, user: ids.user, profile: 'readonly', seconds: quick ? 2 : 6 });
  }

  const report: Report = {
    date: new Date(),
    machine: machineInfo(),
    awsCli: await awsCliVersion(),
    autocannon: (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version,
    settings,
    load: { start: loadAtStart, end: os.loadavg()[0] ?? NaN },
    http,
    e2e,
    cli,
    memory,
    steady,
    goals,
    ...(profile && { profile }),
    peerUid,
    ladder,
    cliProfile,
    notes: await fs.readFile(path.join(BENCH_DIR, 'notes.md'), 'utf8').catch(() => '(bench/notes.md is missing)'),
  };
  process.stdout.write(consoleReport(report));
  if (quick) {
    const scratch = path.join(os.tmpdir(), 'credd-bench-quick.md');
    await fs.writeFile(scratch, markdown(report));
    log(`quick run: docs/benchmarks.md left alone; the report is in ${scratch}`);
  } else {
    await fs.mkdir(path.join(ROOT, 'docs'), { recursive: true });
    await fs.writeFile(path.join(ROOT, 'docs', 'benchmarks.md'), markdown(report));
    log('wrote docs/benchmarks.md');
  }
  if (profile) {
    const kept = path.join(os.tmpdir(), 'credd-bench-daemon.cpuprofile');
    await fs.copyFile(profile.file, kept);
    log(`CPU profile kept at ${kept} (open it in Chrome DevTools, Performance tab)`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  if (process.env['BENCH_KEEP'] !== '1') await fs.rm(dir, { recursive: true, force: true });
}
