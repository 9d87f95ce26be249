// An emulator of the AWS sign-in service's token endpoint (`POST /v1/token`, restJson), built from
// the requests @aws-sdk/credential-provider-login sends when it refreshes an `aws login` session:
// body {clientId, grantType: "refresh_token", refreshToken}, a DPoP proof (ES256 JWT whose header
// carries the public key, payload {jti, htm, htu, iat}). It verifies the proof with the key bound to
// the session, spends each refresh token once (a new one per refresh, as OAuth rotation does),
// and answers role-session credentials the STS emulator issued, so they really sign.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, verify, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StsEmulator } from './sts-emulator.js';

export interface LoginCacheFile {
  accessToken: { accessKeyId: string; secretAccessKey: string; sessionToken: string; accountId: string; expiresAt: string };
  tokenType: string;
  clientId: string;
  refreshToken: string;
  idToken: string;
  dpopKey: string;
}

interface Session { id: string; clientId: string; refreshToken: string; jwkThumbprint: string; roleArn: string; ended: boolean }

export interface SigninEmulator {
  url: string;
  /** A signed-in session, as `aws login` leaves it: the cache file's content. `accessTtlSeconds` may be short to force a refresh. */
  signIn(opts: { roleArn: string; accountId?: string; accessTtlSeconds?: number }): { sessionId: string; cache: LoginCacheFile };
  /** The session's 12 h are over (or it was revoked): refreshes are refused with TOKEN_EXPIRED. */
  end(sessionId: string): void;
  readonly counts: { refreshed: number; rejected: Record<string, number> };
  close(): Promise<void>;
}

const ACCESS_SECONDS = 900;

function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

export async function startSigninEmulator(sts: StsEmulator): Promise<SigninEmulator> {
  const sessions = new Map<string, Session>(); // by refresh token
  const usedJti = new Set<string>();
  const counts = { refreshed: 0, rejected: {} as Record<string, number> };
  let url = '';

  const refuse = (res: ServerResponse, status: number, type: string, error: string, message: string): void => {
    counts.rejected[error] = (counts.rejected[error] ?? 0) + 1;
    const body = JSON.stringify({ error, message });
    res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  /** The DPoP proof's key thumbprint, or a reason it is not a valid proof for this request. */
  function checkDpop(header: string | undefined): { ok: true; thumbprint: string } | { ok: false; why: string } {
    const parts = (header ?? '').split('.');
    if (parts.length !== 3) return { ok: false, why: 'missing or malformed DPoP proof' };
    const [h, p, sig] = parts as [string, string, string];
    let head: { alg?: string; typ?: string; jwk?: JsonWebKey };
    let claims: { jti?: string; htm?: string; htu?: string; iat?: number };
    try {
      head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof head;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { ok: false, why: 'DPoP proof is not JSON' };
    }
    if (head.alg !== 'ES256' || head.typ !== 'dpop+jwt' || head.jwk?.kty !== 'EC' || head.jwk.crv !== 'P-256') return { ok: false, why: 'DPoP header must be ES256 dpop+jwt with a P-256 jwk' };
    const key = createPublicKey({ key: head.jwk, format: 'jwk' });
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))) return { ok: false, why: 'DPoP signature does not verify' };
    if (claims.htm !== 'POST' || claims.htu !== `${url}/v1/token`) return { ok: false, why: `DPoP htm/htu do not match this request (${String(claims.htm)} ${String(claims.htu)})` };
    if (typeof claims.iat !== 'number' || Math.abs(Date.now() / 1000 - claims.iat) > 300) return { ok: false, why: 'DPoP iat is not current' };
    if (typeof claims.jti !== 'string' || usedJti.has(claims.jti)) return { ok: false, why: 'DPoP jti missing or reused' };
    usedJti.add(claims.jti);
    return { ok: true, thumbprint: thumbprint(head.jwk) };
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (req.method !== 'POST' || req.url !== '/v1/token') return refuse(res, 404, 'ValidationException', 'not_found', 'No such operation');
    const dpop = checkDpop(typeof req.headers['dpop'] === 'string' ? req.headers['dpop'] : undefined);
    if (!dpop.ok) return refuse(res, 400, 'ValidationException', 'invalid_dpop_proof', dpop.why);
    let input: { clientId?: string; grantType?: string; refreshToken?: string };
    try {
      input = JSON.parse(body) as typeof input;
    } catch {
      return refuse(res, 400, 'ValidationException', 'invalid_request', 'body is not JSON');
    }
    if (input.grantType !== 'refresh_token') return refuse(res, 400, 'ValidationException', 'unsupported_grant_type', 'only refresh_token is emulated');
    const session = input.refreshToken === undefined ? undefined : sessions.get(input.refreshToken);
    if (!session || session.clientId !== input.clientId) return refuse(res, 400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'The refresh token is not valid.');
    if (session.jwkThumbprint !== dpop.thumbprint) return refuse(res, 400, 'ValidationException', 'invalid_dpop_proof', 'DPoP key is not the one bound to this session');
    if (session.ended) return refuse(res, 400, 'AccessDeniedException', 'TOKEN_EXPIRED', 'Your session has expired.');
    sessions.delete(session.refreshToken);
    session.refreshToken = randomBytes(32).toString('base64url');
    sessions.set(session.refreshToken, session);
    const creds = sts.issueRoleSession(session.roleArn, 'aws-login', ACCESS_SECONDS);
    counts.refreshed++;
    const out = JSON.stringify({
      accessToken: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
      tokenType: 'aws_sigv4',
      expiresIn: ACCESS_SECONDS,
      refreshToken: session.refreshToken,
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  }

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      if (body.length < 64 * 1024) body += d.toString('utf8');
    });
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    signIn({ roleArn, accountId = '123456789012', accessTtlSeconds = ACCESS_SECONDS }) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const session: Session = {
        id: randomUUID(),
        clientId: `arn:aws:signin:::devtools/same-device`,
        refreshToken: randomBytes(32).toString('base64url'),
        jwkThumbprint: thumbprint(publicKey.export({ format: 'jwk' })),
        roleArn,
        ended: false,
      };
      sessions.set(session.refreshToken, session);
      const creds = sts.issueRoleSession(roleArn, 'aws-login', Math.max(accessTtlSeconds, 1));
      return {
        sessionId: session.id,
        cache: {
          accessToken: {
            accessKeyId: creds.accessKeyId,
            secretAccessKey: creds.secretAccessKey,
            sessionToken: creds.sessionToken,
            accountId,
            expiresAt: new Date(Date.now() + accessTtlSeconds * 1000).toISOString(),
          },
          tokenType: 'aws_sigv4',
          clientId: session.clientId,
          refreshToken: session.refreshToken,
          idToken: 'unused-by-the-provider',
          dpopKey: privateKey.export({ format: 'pem', type: 'sec1' }).toString(),
        },
      };
    },
    end(sessionId) {
      for (const s of sessions.values()) if (s.id === sessionId) s.ended = true;
    },
    counts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
