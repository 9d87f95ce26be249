// A paced load: `connections` keep-alive clients, each sending its next request at fixed
// intervals (rate ÷ connections apart), so the server sees an even `rate` req/s. autocannon's
// own rate limit sends each second's quota as one burst, which measures queueing, not a moderate load.
import http from 'node:http';
import type { LoadResult } from './load.js';
import { cpuMsOf } from './procfs.js';
import { Samples } from './stats.js';

export interface PacedOptions {
  port: number;
  pid: number;
  connections: number;
  rate: number;
  seconds: number;
  path: string;
  headers: Record<string, string>;
  into?: Samples;
}

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

function once(agent: http.Agent, opts: PacedOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: opts.port, path: opts.path, headers: opts.headers, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function runPaced(opts: PacedOptions): Promise<LoadResult> {
  const latency = opts.into ?? new Samples();
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const interval = (1000 * opts.connections) / opts.rate;
  const cpuBefore = cpuMsOf(opts.pid);
  const t0 = performance.now();
  const end = t0 + opts.seconds * 1000;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const client = async (offset: number): Promise<void> => {
    for (let due = t0 + offset; due < end; due += interval) {
      await sleepUntil(due);
      const sent = performance.now();
      try {
        const status = await once(agent, opts);
        if (status >= 200 && status < 300) {
          ok++;
          latency.add(performance.now() - sent);
        } else non2xx++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, (_, i) => client((i * interval) / opts.connections)));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { requests: ok, non2xx, errors, seconds, serverCpu: (cpuMsOf(opts.pid) - cpuBefore) / 1000 / seconds, latency };
}
