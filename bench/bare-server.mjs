// The floor for the HTTP numbers: plain node:http on 127.0.0.1, answering the exact bodies
// and headers credd answers (taken from a live credd by the benchmark). No routing library,
// no checks. Usage: node bench/bare-server.mjs BODIES.json  → prints {"port":N}
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const bodies = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ecs = Buffer.from(bodies.ecs);
const imds = Buffer.from(bodies.imds);
const token = Buffer.from(bodies.token);

const server = createServer((req, res) => {
  if (req.method === 'PUT') {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store', 'x-aws-ec2-metadata-token-ttl-seconds': '21600', 'content-length': token.length });
    res.end(token);
  } else if (req.url.startsWith('/latest/')) {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store', 'content-length': imds.length });
    res.end(imds);
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': ecs.length });
    res.end(ecs);
  }
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
