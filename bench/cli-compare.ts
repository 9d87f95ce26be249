// The CLI start-up rows alone, and for more than one build side by side (before/after a change):
//   node --import tsx bench/cli-compare.ts [--runs 20] [--bin LABEL=path/to/credd.js ...] [--prof DIR]
// Sets up what `npm run bench` sets up (STS emulator, a daemon from dist/ with the encrypted-file
// store, `readonly` switched to and cached), then times `node -e 0` and, for every build,
// `credd status`, `credd switch readonly` and `credd export readonly`, interleaved round by round so
// the machine's drift hits every row alike. Prints medians and each median's ratio to `node -e 0`.
// Run it with another node (e.g. Node 24) to measure that line: everything uses process.execPath.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CREDD_BIN, run } from '../test/shared/run-process.js';
import { awsConfig, createIdentities, startCredd, startEmulator } from './setup.js';
import { median } from './stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, bin: { type: 'string', multiple: true }, prof: { type: 'string' } } });
const runs = Number(values.runs);
const bins = (values.bin ?? [`dist=${CREDD_BIN}`]).map((b) => {
  const at = b.indexOf('=');
  return { label: b.slice(0, at), bin: path.resolve(b.slice(at + 1)) };
});

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-cli-compare-'));
const cpuAtExit = path.join(dir, 'cpu-at-exit.cjs');
await fs.writeFile(cpuAtExit, "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, `cpu-at-exit ${u.user + u.system}\\n`); });\n");
const emulator = await startEmulator(dir);
try {
  const ids = await createIdentities(emulator.client, { readonly: 'ReadOnly' });
  const configFile = path.join(dir, 'aws-config');
  await fs.writeFile(configFile, awsConfig(ids.roles));
  const credd = await startCredd(dir, { name: 'credd', stsUrl: emulator.url, configFile, user: ids.user });
  // Stopped early (Ctrl-C): no daemon or emulator left behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void credd.stop().then(emulator.stop).finally(() => process.exit(130)));
  try {
    const switched = await credd.cli(['switch', 'readonly']);
    if (switched.code !== 0) throw new Error(`credd switch readonly: ${switched.stderr}`);
    if (values.prof !== undefined) {
      // --prof DIR: also one `status` per build under --cpu-prof, into DIR/LABEL (after one warm-up run).
      for (const { label, bin } of bins) {
        await run(process.execPath, [bin, 'status'], { env: credd.env });
        await run(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', path.join(path.resolve(values.prof), label), bin, 'status'], { env: credd.env });
      }
    }
    const rows = [{ label: 'node -e 0', args: ['-e', '0'] }];
    for (const { label, bin } of bins) {
      rows.push({ label: `${label}: status`, args: [bin, 'status'] });
      rows.push({ label: `${label}: switch readonly`, args: [bin, 'switch', 'readonly'] });
      rows.push({ label: `${label}: export readonly`, args: [bin, 'export', 'readonly'] });
    }
    const times = new Map<string, number[]>(rows.map((r) => [r.label, []]));
    const cpu = new Map<string, number[]>(rows.map((r) => [r.label, []]));
    for (let round = -1; round < runs; round++) {
      for (const r of rows) {
        const t0 = process.hrtime.bigint();
        // The preload prints the process's own CPU time (user + system, µs resolution) as it exits:
        // CPU time suffers far less than wall time from the other work on a loaded machine.
        const res = await run(process.execPath, ['-r', cpuAtExit, ...r.args], { env: credd.env });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.code !== 0) throw new Error(`${r.label} exited ${res.code}: ${res.stderr}`);
        const used = Number(/^cpu-at-exit (\d+)$/m.exec(res.stderr)?.[1]);
        if (round >= 0) times.get(r.label)?.push(ms);
        if (round >= 0) cpu.get(r.label)?.push(used / 1000);
      }
    }
    const floor = median(times.get('node -e 0') ?? []);
    const cpuFloor = median(cpu.get('node -e 0') ?? []);
    process.stdout.write(`node ${process.version}, ${runs} runs each, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    process.stdout.write(`${'command'.padEnd(32)} ${'wall median'.padStart(14)} ${'CPU median'.padStart(14)} ${'CPU min'.padStart(14)}\n`);
    const cpuMinFloor = Math.min(...(cpu.get('node -e 0') ?? []));
    for (const r of rows) {
      const m = median(times.get(r.label) ?? []);
      const c = median(cpu.get(r.label) ?? []);
      const low = Math.min(...(cpu.get(r.label) ?? []));
      const cols = [[m, floor], [c, cpuFloor], [low, cpuMinFloor]].map(([v = NaN, f = NaN]) => `${v.toFixed(0).padStart(5)} ms ${(v / f).toFixed(2)}×`);
      process.stdout.write(`${r.label.padEnd(32)} ${cols.join(' ')}\n`);
    }
  } finally {
    await credd.stop();
  }
} finally {
  await emulator.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
