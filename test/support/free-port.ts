import fs from 'node:fs';
import net from 'node:net';

/**
 * A loopback port that is free now and that no `listen(0)` or outgoing connection can take
 * before the caller binds it. Ports handed out automatically come from the kernel's ephemeral
 * range (/proc/sys/net/ipv4/ip_local_port_range, ip-sysctl(7)); the usual "listen(0), close, reuse
 * the number" leaves a window in which another test's listen(0) on this busy machine can get
 * the same number. So: a random port in the 12 000 below that range, checked by binding it.
 */
export async function freePort(): Promise<number> {
  const lowest = ephemeralLow();
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = Math.max(1024, lowest - 12_000) + Math.floor(Math.random() * Math.min(12_000, lowest - 1024));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port found below ${lowest} in 50 tries`);
}

function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 2048) return low;
  } catch {
    // not Linux: IANA's dynamic range starts at 49152 (macOS uses it as its ephemeral range)
  }
  return 49_152;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
