import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { connectTunnel } from './connect-tunnel.js';
import { proxyFor } from './proxy-route.js';

type Callback = (err: Error | null, stream: Duplex) => void;

function target(options: http.ClientRequestArgs, fallbackPort: number): { host: string; port: number } {
  return { host: options.hostname ?? options.host ?? 'localhost', port: Number(options.port ?? fallbackPort) };
}

/*
 * Agents that decide per connection: the proxy variables apply by destination (no_proxy), and
 * one client may talk to several hosts. Node's Agent takes a socket from createConnection's
 * callback when it returns nothing (node:http, agent.createConnection).
 */
class TunnelHttpsAgent extends https.Agent {
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly timeoutMs: number) {
    super({ keepAlive: true });
  }

  override createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null | undefined {
    const { host, port } = target(options, 443);
    const proxy = proxyFor('https:', host, port, this.env);
    if (proxy === undefined) return super.createConnection(options, callback);
    connectTunnel(proxy, host, port, this.timeoutMs).then(
      (socket) => callback?.(null, tls.connect({ ...(options as tls.ConnectionOptions), socket })),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

class TunnelHttpAgent extends http.Agent {
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly timeoutMs: number) {
    super({ keepAlive: true });
  }

  // Plain http also goes through CONNECT: the request line stays origin-form either way.
  override createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | null | undefined {
    const { host, port } = target(options, 80);
    const proxy = proxyFor('http:', host, port, this.env);
    if (proxy === undefined) return super.createConnection(options, callback);
    connectTunnel(proxy, host, port, this.timeoutMs).then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

export interface ProxyAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/** An http and an https agent that honour the proxy variables in `env`. */
export function proxyAgents(env: NodeJS.ProcessEnv, timeoutMs: number): ProxyAgents {
  return { httpAgent: new TunnelHttpAgent(env, timeoutMs), httpsAgent: new TunnelHttpsAgent(env, timeoutMs) };
}
