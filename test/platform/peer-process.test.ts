import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, it } from 'node:test';
import { findPeerProcess } from '../../src/platform/peer-process.js';
import { connectionOf, type Connection } from '../../src/platform/tcp-table.js';

const conn = (s: net.Socket | undefined): Connection => connectionOf(s ?? {}) ?? { remoteAddress: '127.0.0.1', remotePort: 0, localAddress: '127.0.0.1', localPort: 0 };

describe('findPeerProcess', { skip: process.platform !== 'linux' && 'uses /proc (Linux) here' }, () => {
  it('names the local process at the other end of a loopback connection', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const connected = new Promise<net.Socket>((r) => server.once('connection', r));
    const child = spawn(process.execPath, ['-e', `require('net').connect(${port}, '127.0.0.1'); setTimeout(() => {}, 10000); // credd-peer-probe`]);
    try {
      const socket = await connected;
      const peer = await findPeerProcess(conn(socket));
      assert.equal(peer.pid, child.pid);
      assert.match(peer.command, /credd-peer-probe/);
      assert.deepEqual(await findPeerProcess({ ...conn(socket), remotePort: 1 }), { command: 'unknown' });
      assert.deepEqual(await findPeerProcess({ ...conn(socket), remoteAddress: '127.0.0.2' }), { command: 'unknown' }, 'the same port from another loopback address is another connection');
    } finally {
      child.kill();
      server.close();
    }
  });

  it('names the right process when connections alternate between two clients (a recent owner is checked first, never assumed)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const sockets: net.Socket[] = [];
    server.on('connection', (s) => sockets.push(s));
    // Each client opens one more connection per line read on its stdin.
    const client = (name: string) => spawn(process.execPath, ['-e', `process.stdin.on('data', () => require('net').connect(${port}, '127.0.0.1')); // ${name}`]);
    const a = client('credd-peer-a');
    const b = client('credd-peer-b');
    try {
      for (const [i, who] of [a, b, a, b, a].entries()) {
        who.stdin.write('\n');
        while (sockets.length <= i) await new Promise((r) => setTimeout(r, 5));
        const peer = await findPeerProcess(conn(sockets[i]));
        assert.equal(peer.pid, who.pid, `connection ${i + 1}`);
        assert.match(peer.command, who === a ? /credd-peer-a/ : /credd-peer-b/);
      }
    } finally {
      a.kill();
      b.kill();
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
