// Linux: the peer-uid check reads the client's row of the kernel's socket table once per
// connection, and the audit's process lookup starts from that row's inode instead of reading the
// table a second time (each read walks the kernel's whole connection hash).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AuditLog } from '../../src/daemon/audit-log.js';
import type { AuditSink } from '../../src/server/audit-sink.js';
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

/** A server as the daemon builds it (peer-uid check, audit wrapped for scopes), counting its reads of /proc/net/tcp. */
async function serve(audit: AuditSink): Promise<{ app: FastifyInstance; port: number; tableReads: () => number }> {
  let reads = 0;
  let port = 0;
  const lookup = batchedPeerRow(async (file) => {
    reads++;
    return fs.readFile(file, 'utf8');
  });
  const app = buildServer({
    credentials: fixedProvider(),
    token: TOKEN,
    logger: silentLogger(),
    port: () => port,
    peerUid: { lookup, allowedUid: process.getuid?.() ?? -1 },
    audit,
    // As the daemon builds it: the audit wrapped for scopes too, which must hand the inode on.
    scopeOf: () => undefined,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  return { app, port, tableReads: () => reads };
}

/** A client that makes one credential request and keeps its connection open (and itself alive) until killed. */
async function keepAliveClient(port: number): Promise<{ pid: number; status: string; kill(): void }> {
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
    return { pid: client.pid ?? 0, status, kill: () => client.kill() };
  } catch (err) {
    client.kill();
    throw err;
  }
}

describe('the peer-uid row feeds the audit lookup', { skip: !LINUX && 'Linux /proc only' }, () => {
  const apps: FastifyInstance[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it("hands the audit the inode of the client's own socket, read once for both", async () => {
    const arrivals: Array<{ socket: Socket; inode: string | undefined }> = [];
    const { app, port, tableReads } = await serve({ arrived: (socket, inode) => arrivals.push({ socket, inode }), served: () => undefined });
    apps.push(app);
    const client = await keepAliveClient(port);
    try {
      assert.equal(client.status, '200');
      assert.equal(arrivals.length, 1);
      const inode = arrivals[0]?.inode;
      assert.ok(inode !== undefined, 'the audit got no inode');
      assert.ok((await socketInodes(client.pid)).includes(inode), `inode ${inode} is not a socket of the client`);
      assert.equal(tableReads(), 1, 'one read of /proc/net/tcp for the connection');
      // And the lookup finds the client from that inode alone (a connection that matches no row).
      const conn = connectionOf(arrivals[0]?.socket ?? {});
      assert.ok(conn);
      const found = await findPeerProcess({ ...conn, remotePort: 1 }, { inode });
      assert.equal(found.pid, client.pid);
    } finally {
      client.kill();
    }
  });

  it('the audit log passes that inode to its process lookup, and its line names the client', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-peer-row-'));
    const asked: Array<string | undefined> = [];
    const audit = new AuditLog({
      file: path.join(dir, 'audit.log'),
      logger: silentLogger(),
      // The real lookup, seen on the way: what the daemon's audit log hands it.
      lookup: (conn, inode) => {
        asked.push(inode);
        return findPeerProcess(conn, inode === undefined ? {} : { inode });
      },
    });
    const { app, port } = await serve(audit);
    apps.push(app);
    const client = await keepAliveClient(port);
    try {
      assert.equal(client.status, '200');
      await audit.flush();
      assert.equal(asked.length, 1, 'one lookup for the connection');
      assert.ok(asked[0] !== undefined && (await socketInodes(client.pid)).includes(asked[0]), `the lookup got ${String(asked[0])}, not an inode of the client's socket`);
      const [line] = (await fs.readFile(path.join(dir, 'audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { pid?: number; status: number });
      assert.ok(line, 'an audit line');
      assert.equal(line.status, 200);
      assert.equal(line.pid, client.pid);
    } finally {
      client.kill();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
