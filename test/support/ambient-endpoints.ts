// A container credentials endpoint and an IMDSv2 endpoint on 127.0.0.1, as ECS and EC2 serve them,
// handing out role sessions the STS emulator issued (so what they give really signs). For the
// daemon-side `credential_source` tests; counts what it is asked.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StsEmulator } from './sts-emulator.js';

export interface AmbientEndpoints {
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI */
  containerUri: string;
  containerToken: string;
  /** AWS_EC2_METADATA_SERVICE_ENDPOINT */
  imdsEndpoint: string;
  counts: { container: number; imdsCredentials: number };
  close(): Promise<void>;
}

export async function startAmbientEndpoints(sts: StsEmulator, roleArn: string): Promise<AmbientEndpoints> {
  const containerToken = randomBytes(16).toString('hex');
  const imdsToken = randomBytes(16).toString('hex');
  const counts = { container: 0, imdsCredentials: 0 };
  const session = (name: string) => {
    const s = sts.issueRoleSession(roleArn, name, 3600);
    return { AccessKeyId: s.accessKeyId, SecretAccessKey: s.secretAccessKey, Token: s.sessionToken, Expiration: s.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  };
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    const url = req.url ?? '/';
    if (url === '/ecs/credentials' && req.method === 'GET') {
      if (req.headers.authorization !== containerToken) return send(403, '{"message":"bad token"}');
      counts.container++;
      return send(200, JSON.stringify(session('container')));
    }
    if (url === '/latest/api/token' && req.method === 'PUT') return send(200, imdsToken, 'text/plain');
    if (url.startsWith('/latest/meta-data/iam/security-credentials')) {
      if (req.headers['x-aws-ec2-metadata-token'] !== imdsToken) return send(401, '', 'text/plain');
      if (url === '/latest/meta-data/iam/security-credentials/') return send(200, 'InstanceRole', 'text/plain');
      if (url === '/latest/meta-data/iam/security-credentials/InstanceRole') {
        counts.imdsCredentials++;
        return send(200, JSON.stringify({ Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC', ...session('instance') }));
      }
    }
    return send(404, '', 'text/plain');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    containerUri: `http://127.0.0.1:${port}/ecs/credentials`,
    containerToken,
    imdsEndpoint: `http://127.0.0.1:${port}/`,
    counts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
