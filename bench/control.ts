// The daemon's control API on its unix socket ($CREDD_HOME/control.sock), as the CLI uses it.
import path from 'node:path';
import { httpRequest } from './setup.js';

export async function control<T>(home: string, method: 'GET' | 'POST', urlPath: string, body?: object): Promise<T> {
  const reply = await httpRequest({ socketPath: path.join(home, 'control.sock') }, method, urlPath, {}, body === undefined ? undefined : JSON.stringify(body));
  if (reply.status >= 400) throw new Error(`control ${urlPath}: HTTP ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body) as T;
}

export interface DaemonStats {
  requests: number;
  servedFromCache: number;
  waitedOnSts: number;
  stsFetches: number;
  failedFetches: number;
}
