// Linux: the peer-uid check reads the client's row of the kernel's socket table once per
// connection, and the audit's process lookup starts from that row's inode instead of reading the
// table a second time (each read walks the kernel's whole connection hash).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/platform/logger.js';
import { findPeerProcess } from '../../src/platform/peer-process.js';
import { batchedPeerRow, connectionOf } from '../../src/platform/tcp-table.js';
import { buildServer } from '../../src/server/build-server.js';
import { fixedProvider } from '../shared/fixed-provider.js';

const TOKEN = 'A'.repeat(22) + 'b'.repeat(21);
const LINUX = process.platform === 'linux' && process.getuid !== undefined;

/** The socket inodes a process holds, from its own fd links (independent of the table parser). */
async function socketInodes(pid: number): Promise<string[]> {
  const fds = await fs.readdir(`/proc/${pid}/fd`);
  const links = await Promise.all(fds.map((fd) => fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return links.map((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1]).filter((i): i is string => i !== undefined);
}

describe('the peer-uid row feeds the audit lookup', { skip: !LINUX && 'Linux /proc only' }, () => {
  let app: FastifyInstance;
  let port = 0;
  const arrivals: Array<{ socket: Socket; inode: string | undefined }> = [];
  let tableReads = 0;

  before(async () => {
    const lookup = batchedPeerRow(async (file) => {
      tableReads++;
      return fs.readFile(file, 'utf8');
    });
    app = buildServer({
      credentials: fixedProvider(),
      token: TOKEN,
      logger: silentLogger(),
      port: () => port,
      peerUid: { lookup, allowedUid: process.getuid?.() ?? -1 },
      audit: { arrived: (socket, inode) => arrivals.push({ socket, inode }), served: () => undefined },
      // As the daemon builds it: the audit wrapped for scopes too, which must hand the inode on.
      scopeOf: () => undefined,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app?.close());

  it("hands the audit the inode of the client's own socket, read once for both", async () => {
    // A client that keeps its connection open (and itself alive) until killed.
    const client = spawn(process.execPath, [
      '-e',
      `const http = require('http'); const agent = new http.Agent({ keepAlive: true });
       http.get({ host: '127.0.0.1', port: ${port}, path: '/v1/credentials', agent, headers: { authorization: '${TOKEN}' } }, (res) => { res.resume(); res.on('end', () => console.log(res.statusCode)); });
       setTimeout(() => {}, 30000);`,
    ]);
    try {
      const status = await new Promise<string>((resolve, reject) => {
        client.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
        client.once('exit', (code) => reject(new Error(`the client exited (${code})`)));
      });
      assert.equal(status, '200');
      assert.equal(arrivals.length, 1);
      const inode = arrivals[0]?.inode;
      assert.ok(inode !== undefined, 'the audit got no inode');
      assert.ok((await socketInodes(client.pid ?? 0)).includes(inode), `inode ${inode} is not a socket of the client`);
      assert.equal(tableReads, 1, 'one read of /proc/net/tcp for the connection');
      // And the lookup finds the client from that inode alone (a connection that matches no row).
      const conn = connectionOf(arrivals[0]?.socket ?? {});
      assert.ok(conn);
      const found = await findPeerProcess({ ...conn, remotePort: 1 }, { inode });
      assert.equal(found.pid, client.pid);
    } finally {
      client.kill();
    }
  });
});
