import net from 'node:net';
import tls from 'node:tls';

/**
 * Opens a tunnel to host:port through an HTTP proxy with CONNECT (RFC 9110 §9.3.6) and returns
 * the raw socket once the proxy answers 2xx. Basic credentials come from the proxy URL; they
 * never appear in an error message.
 */
export function connectTunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
    const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
    const socket: net.Socket =
      proxy.protocol === 'https:' ? tls.connect({ host: proxyHost, port: proxyPort, servername: net.isIP(proxyHost) ? '' : proxyHost }) : net.connect(proxyPort, proxyHost);
    const target = `${net.isIPv6(host.replace(/^\[|\]$/g, '')) ? `[${host.replace(/^\[|\]$/g, '')}]` : host}:${port}`;
    const where = `the proxy ${proxy.host}`;
    let head = Buffer.alloc(0);
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(`${where} did not open a tunnel to ${target}: ${why}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs / 1000} s`));
    socket.once('error', (err) => fail(err.message));
    socket.once('close', () => fail('it closed the connection'));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16_384) fail('its answer has no end');
        return;
      }
      socket.off('data', onData);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.[01] 2\d\d\b/.test(status)) {
        fail(`it answered "${status.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)}"`);
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
    const auth =
      proxy.username !== ''
        ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
        : '';
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  });
}
