import http from 'node:http';
import https from 'node:https';
import { proxyAgents } from './proxy-agents.js';
import { proxyFor } from './proxy-route.js';

/**
 * `fetch` for the console federation endpoint that honours the proxy variables like every
 * other AWS call (Node's built-in fetch ignores them). GET only, which is all federation needs;
 * without a proxy for the URL it is the built-in fetch.
 */
export function proxiedFetch(env: NodeJS.ProcessEnv, timeoutMs = 10_000): typeof fetch {
  const agents = proxyAgents(env, timeoutMs);
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (proxyFor(url.protocol, url.hostname, port, env) === undefined) return fetch(input, init);
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: 'GET', agent: url.protocol === 'https:' ? agents.httpsAgent : agents.httpAgent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 502, headers }));
        });
      });
      init?.signal?.addEventListener('abort', () => req.destroy(new Error('The request was aborted (timeout).')));
      req.on('timeout', () => req.destroy(new Error(`No answer within ${timeoutMs / 1000} s.`)));
      req.on('error', reject);
      req.end();
    });
  };
}
