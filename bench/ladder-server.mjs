// One rung of the CPU ladder (bench/cpu-ladder.ts): the same cached ECS answer served by more
// and more of credd's own code, to see which layer costs what. Serves from dist/ (build first).
//   node bench/ladder-server.mjs RUNG SETUP.json  → prints {"port":N}
// RUNG: fastify  — a minimal Fastify app, one route, the same headers and body, no checks
//       server   — credd's buildServer (routing, Host/browser guard, token check, IMDS routes)
//                  with a provider that returns the credentials credd served
//       lines    — the same plus credd's AuditLog writing one line per response, the client's process not looked up
//       audit    — the same plus the lookup of the client's process (once per connection)
//       peer     — the same plus the peer-uid check (Linux: refuses other local users)
// SETUP.json: { "body": ECS body credd answered, "token": its token, "dir": a scratch folder }
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { buildServer } from '../dist/server/build-server.js';
import { AuditLog } from '../dist/daemon/audit-log.js';
import { silentLogger } from '../dist/platform/logger.js';
import { batchedPeerRow } from '../dist/platform/tcp-table.js';

let listening; // the port, once known: the Host check compares with it
const [rung, setupFile] = process.argv.slice(2);
const setup = JSON.parse(readFileSync(setupFile, 'utf8'));

function minimalFastify() {
  const body = Buffer.from(setup.body);
  const app = Fastify({ logger: false });
  app.get('/v1/credentials', (_req, reply) => reply.code(200).header('content-type', 'application/json').header('cache-control', 'no-store').send(body));
  return app;
}

const noLookup = async () => ({ command: 'not looked up' });

function credd(withAudit, withPeer) {
  const served = JSON.parse(setup.body);
  const creds = { accessKeyId: served.AccessKeyId, secretAccessKey: served.SecretAccessKey, sessionToken: served.Token, expiration: new Date(served.Expiration), ...(served.AccountId && { accountId: served.AccountId }) };
  const credentials = { active: 'readonly', describe: () => ({ region: 'eu-west-1' }), serve: async (profile) => ({ ok: true, creds, profile: profile ?? 'readonly' }) };
  const logger = silentLogger();
  return buildServer({
    credentials,
    token: setup.token,
    logger,
    port: () => listening,
    ...(withAudit && { audit: new AuditLog({ file: path.join(setup.dir, `${rung}-audit.log`), logger, secrets: () => [setup.token], ...(rung === 'lines' && { lookup: noLookup }) }) }),
    ...(withPeer && { peerUid: { lookup: batchedPeerRow(), allowedUid: process.getuid() } }),
  });
}

const app = rung === 'fastify' ? minimalFastify() : credd(rung !== 'server', rung === 'peer');
await app.listen({ host: '127.0.0.1', port: 0 });
listening = app.server.address().port;
process.stdout.write(`${JSON.stringify({ port: listening })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
