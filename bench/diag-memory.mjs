// A diagnostic, not used by `npm run bench`: on SIGUSR2 a daemon started with
//   CREDD_BENCH_MEMFILE=/tmp/mem.json [CREDD_BENCH_GC=1] node --expose-gc --import ./bench/diag-memory.mjs dist/bin/credd.js daemon
// writes its heap breakdown (process.memoryUsage and V8 heap spaces, after a full GC when
// CREDD_BENCH_GC=1) to that file — how the notes tell retained memory from garbage.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

process.on('SIGUSR2', () => {
  if (process.env.CREDD_BENCH_GC === '1') globalThis.gc?.();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_used_size / 1024)]));
  const committed = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_size / 1024)]));
  writeFileSync(process.env.CREDD_BENCH_MEMFILE ?? '/dev/null', JSON.stringify({ usage: process.memoryUsage(), usedKb: spaces, committedKb: committed }));
});
