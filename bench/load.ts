// One load run with autocannon (in this process), with latencies kept at full resolution:
// autocannon's own histogram counts whole milliseconds, too coarse for a 1 ms goal, so
// every response time (fractional ms from process.hrtime) is recorded here as well.
import autocannon from 'autocannon';
import { cpuMsOf } from './procfs.js';
import { Samples } from './stats.js';

export type Scenario = 'ecs' | 'imds-token+get' | 'imds-get';

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** Server process CPU time / wall time (1.0 = one core busy). */
  serverCpu: number;
  latency: Samples;
}

const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';

/** The request sequence a client sends for one credential fetch. */
export function requestsFor(scenario: Scenario, opts: { ecsToken: string; role: string; imdsToken?: string }): autocannon.Request[] {
  const credsPath = `/latest/meta-data/iam/security-credentials/${opts.role}`;
  if (scenario === 'ecs') return [{ method: 'GET', path: '/v1/credentials', headers: { authorization: opts.ecsToken } }];
  if (scenario === 'imds-get') return [{ method: 'GET', path: credsPath, headers: { 'x-aws-ec2-metadata-token': opts.imdsToken ?? '' } }];
  return [
    {
      method: 'PUT',
      path: '/latest/api/token',
      headers: { [TTL]: '21600' },
      onResponse: (_status, body, context) => void ((context as { token?: string }).token = body),
    },
    {
      method: 'GET',
      path: credsPath,
      setupRequest: (req, context) => ({ ...req, headers: { ...req.headers, 'x-aws-ec2-metadata-token': (context as { token?: string }).token ?? '' } }),
    },
  ];
}

export interface LoadOptions {
  port: number;
  requests: autocannon.Request[];
  connections: number;
  /** Seconds, or a fixed number of requests with `amount`. */
  duration?: number;
  amount?: number;
  overallRate?: number;
  /** The server's pid, for its CPU use. */
  pid: number;
  /** Pooled into this recorder when given (several runs of one cell). */
  into?: Samples;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latency = opts.into ?? new Samples();
  const cpuBefore = cpuMsOf(opts.pid);
  const started = process.hrtime.bigint();
  let finish!: (err: unknown, result: autocannon.Result) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => (finish = (err, result) => (err ? reject(err) : resolve(result))));
  const instance = autocannon({
    url: `http://127.0.0.1:${opts.port}`,
    connections: opts.connections,
    pipelining: 1,
    requests: opts.requests,
    timeout: 10,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
    ...(opts.overallRate !== undefined && { overallRate: opts.overallRate }),
  }, (err, result) => finish(err, result));
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latency.add(ms);
  });
  const result = await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = (cpuMsOf(opts.pid) - cpuBefore) / 1000 / seconds;
  return { requests: result['2xx'], non2xx: result.non2xx, errors: result.errors, seconds, serverCpu: cpu, latency };
}
