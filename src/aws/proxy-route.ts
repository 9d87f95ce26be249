import net from 'node:net';

/*
 * Which proxy, if any, a request to protocol://host:port goes through, from the variables
 * curl, botocore and Go read: https_proxy/HTTPS_PROXY for https, http_proxy/HTTP_PROXY for
 * http (the lowercase spelling wins when both are set, as in curl and Python's urllib, which
 * the AWS CLI uses), and no_proxy/NO_PROXY: `*`, host names (a leading `.` or `*.` matches
 * subdomains; a bare name matches itself and its subdomains), IP addresses, IPv4 CIDR blocks,
 * each optionally with `:port`. Loopback never goes through a proxy unless
 * CREDD_PROXY_LOOPBACK=1: a corporate proxy cannot reach this machine's 127.0.0.1.
 */
export function proxyFor(protocol: string, host: string, port: number, env: NodeJS.ProcessEnv): URL | undefined {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(bare) && env['CREDD_PROXY_LOOPBACK'] !== '1') return undefined;
  const name = protocol === 'https:' ? 'https_proxy' : 'http_proxy';
  const raw = pick(env, name);
  if (raw === undefined) return undefined;
  if (bypassed(bare, port, pick(env, 'no_proxy') ?? '')) return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url;
  } catch {
    throw new Error(`${name.toUpperCase()} is not an http:// or https:// proxy URL.`);
  }
}

function pick(env: NodeJS.ProcessEnv, lower: string): string | undefined {
  const v = env[lower] || env[lower.toUpperCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return net.isIPv6(host) && (host === '::1' || /^::ffff:127\./.test(host));
}

function bypassed(host: string, port: number, noProxy: string): boolean {
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const portMatch = /^(.*[^:]):(\d+)$/.exec(entry);
    if (portMatch && !net.isIPv6(entry)) {
      if (Number(portMatch[2]) !== port) continue;
      entry = portMatch[1] ?? '';
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*\./, '.');
    if (entry.includes('/') && net.isIPv4(host) && inCidr(host, entry)) return true;
    if (entry.startsWith('.') ? host.endsWith(entry) || host === entry.slice(1) : host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (base === undefined || !net.isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const num = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
  return (num(ip) & mask) >>> 0 === (num(base) & mask) >>> 0;
}
