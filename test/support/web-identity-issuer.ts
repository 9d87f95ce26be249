// The emulator's OIDC issuer: mints JWT-shaped web identity tokens (HS256 with a secret only the
// emulator holds) and verifies them for AssumeRoleWithWebIdentity, on the emulator clock. Real STS
// fetches the provider's keys; here the issuer and the verifier are one, which is all tests need.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { constantTimeEqual } from './sigv4-verify.js';

export interface WebIdentityClaims { iss: string; sub: string; aud: string; iat: number; exp: number; jti: string }
export interface IssueTokenOptions { subject: string; audience: string; ttlSeconds?: number }

export type TokenCheck = { ok: true; claims: WebIdentityClaims } | { ok: false; code: 'InvalidIdentityToken' | 'ExpiredTokenException'; message: string };

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export class WebIdentityIssuer {
  private readonly secret = randomBytes(32);

  constructor(
    readonly issuer: string,
    private readonly now: () => number,
  ) {}

  issue(opts: IssueTokenOptions): { token: string; claims: WebIdentityClaims } {
    const iat = Math.floor(this.now() / 1000);
    const claims: WebIdentityClaims = { iss: this.issuer, sub: opts.subject, aud: opts.audience, iat, exp: iat + (opts.ttlSeconds ?? 3600), jti: randomUUID() };
    const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
    return { token: `${head}.${this.sign(head)}`, claims };
  }

  /** The checks STS makes, with its error codes: shape, signature, issuer, expiry (audience and subject are the role's business). */
  verify(token: string): TokenCheck {
    const parts = token.split('.');
    const bad = (message: string): TokenCheck => ({ ok: false, code: 'InvalidIdentityToken', message });
    if (parts.length !== 3 || parts.some((p) => !/^[\w-]+$/.test(p))) return bad('The web identity token that was passed could not be parsed as a JWT.');
    const [head, body, sig] = parts as [string, string, string];
    if (!constantTimeEqual(sig, this.sign(`${head}.${body}`))) return bad('The web identity token that was passed has an invalid signature.');
    let claims: WebIdentityClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as WebIdentityClaims;
    } catch {
      return bad('The web identity token that was passed could not be parsed as a JWT.');
    }
    if (claims.iss !== this.issuer) return bad(`No OpenIDConnect provider found in your account for ${String(claims.iss)}`);
    const nowSeconds = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number' || nowSeconds >= claims.exp) {
      return { ok: false, code: 'ExpiredTokenException', message: `Token expired: current date/time ${nowSeconds} must be before the expiration date/time${String(claims.exp)}` };
    }
    return { ok: true, claims };
  }

  private sign(input: string): string {
    return createHmac('sha256', this.secret).update(input).digest('base64url');
  }
}
