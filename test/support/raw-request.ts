// Bytes on a socket, for requests Node's HTTP client refuses to send (bad framing, odd headers).
import net from 'node:net';

export interface RawReply { raw: string; status: number; closed: boolean; ms: number }

/** Writes bytes on a fresh TCP or unix socket; collects what comes back until close or timeout. */
export function rawRequest(target: { port?: number; socketPath?: string }, data: string | Buffer, timeoutMs = 3_000): Promise<RawReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const sock = target.socketPath !== undefined ? net.connect(target.socketPath) : net.connect(target.port ?? 0, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ raw, status: m ? Number(m[1]) : 0, closed, ms: performance.now() - started });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      // One complete answer is enough: stop at the end of a Content-Length body.
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head));
      if (head !== -1 && len && text.length >= head + 4 + Number(len[1])) finish();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.write(data);
  });
}
