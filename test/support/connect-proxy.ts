import net from 'node:net';

export interface ConnectProxy {
  url: string;
  port: number;
  /** The CONNECT targets seen, in order, e.g. "127.0.0.1:4321". */
  targets: string[];
  close(): Promise<void>;
}

/**
 * A real HTTP CONNECT proxy on 127.0.0.1 for tests. It tunnels only to loopback addresses (so
 * a test can never reach the outside through it) and, given `auth` ("user:pass"), answers 407
 * to a request without that Proxy-Authorization.
 */
export async function startConnectProxy(opts: { auth?: string } = {}): Promise<ConnectProxy> {
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const [requestLine = '', ...headers] = head.slice(0, end).split('\r\n');
      const m = /^CONNECT (\[[^\]]+\]|[^:\s]+):(\d+) HTTP\/1\.1$/.exec(requestLine);
      if (!m) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
      const auth = headers.find((h) => /^proxy-authorization:/i.test(h))?.replace(/^[^:]+:\s*/, '');
      if (opts.auth !== undefined && auth !== `Basic ${Buffer.from(opts.auth).toString('base64')}`) {
        return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      }
      targets.push(`${m[1]}:${m[2]}`);
      if (!['127.0.0.1', '::1', 'localhost'].includes(host)) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      const upstream = net.connect(Number(m[2]), host === 'localhost' ? '127.0.0.1' : host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.slice(end + 4);
        if (rest) upstream.write(Buffer.from(rest, 'latin1'));
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    };
    client.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    targets,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
