// The console sign-in federation endpoint (AWS: https://signin.aws.amazon.com/federation), served
// on the emulator's port under /federation, unsigned as in AWS:
//   GET /federation?Action=getSigninToken[&SessionDuration=N]&Session=<url-encoded JSON
//       {"sessionId","sessionKey","sessionToken"}>  → 200 {"SigninToken":"…"}
//   GET /federation?Action=login&Issuer=…&Destination=<url>&SigninToken=<token>  → 302 Location: Destination
// Rules, from the IAM User Guide ("Enable custom identity broker access to the AWS console"):
//  - the Session must be temporary credentials from AssumeRole* (or GetFederationToken, which the
//    emulator does not have): valid, unexpired role-session credentials it issued. Long-term keys
//    and GetSessionToken sessions are refused, as AWS refuses them (HTTP 400);
//  - SessionDuration is optional and, when given, 900..43200 seconds: the console session's length,
//    independent of the credentials' own lifetime (absent: the session lasts as long as the
//    credentials). AWS documents it as the AssumeRole* parameter; it is GetFederationToken
//    credentials that fail WITH it ("Do not use the SessionDuration HTTP parameter if you got the
//    temporary credentials with GetFederationToken");
//  - a sign-in token is good for 15 minutes (emulator clock); the emulator also makes it single-use.
// Refusals are HTTP 400 with a one-line text/plain body (AWS's are not JSON either).
import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from './sigv4-verify.js';
import { assumedRoleArn, type IamStore } from './iam-store.js';

export const FEDERATION_PATH = '/federation';
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

export interface SigninTokenInfo {
  token: string;
  /** The role session's AccessKeyId (the Session's sessionId). */
  accessKeyId: string;
  roleArn: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  assumedRoleArn: string;
  /** Issued at, emulator clock (ms). */
  at: number;
  /** Action=login must come before this (at + 15 min). */
  expiresAt: number;
  /** SessionDuration as asked, or undefined (the console session then lasts as long as the credentials). */
  sessionDuration: number | undefined;
  /** The login that spent the token (emulator clock), or undefined while unused. */
  login: { at: number; issuer: string | undefined; destination: string } | undefined;
}

export interface FederationReply { status: number; headers: Record<string, string>; body: string }

/** A refusal: an HTTP status, a code for counts/calls (`rejected:<code>`), a message for the body. */
export class FederationError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'FederationError';
  }
}

const invalid = (message: string): FederationError => new FederationError(400, 'InvalidParameter', message);
const refused = (message: string): FederationError => new FederationError(400, 'InvalidCredentials', message);

export function federationReply(status: number, body: string, headers: Record<string, string> = {}): FederationReply {
  return { status, body, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers } };
}

/** The Session's sessionId when it parses (for `calls`), else ''. */
export function federationAccessKeyId(url: URL): string {
  try {
    const session: unknown = JSON.parse(url.searchParams.get('Session') ?? '');
    const id = typeof session === 'object' && session !== null && 'sessionId' in session ? session.sessionId : undefined;
    return typeof id === 'string' ? id.slice(0, 128) : '';
  } catch {
    return '';
  }
}

export class Federation {
  private readonly tokens = new Map<string, SigninTokenInfo>();

  constructor(private readonly store: IamStore) {}

  /** Answers one request to /federation, or throws a FederationError. */
  handle(method: string, url: URL): FederationReply {
    if (method !== 'GET') throw new FederationError(405, 'MethodNotAllowed', 'The federation endpoint answers GET only.');
    const action = url.searchParams.get('Action');
    if (action === 'getSigninToken') return this.getSigninToken(url.searchParams);
    if (action === 'login') return this.login(url.searchParams);
    throw new FederationError(400, 'InvalidAction', `Unknown Action: ${String(action).slice(0, 64)} (getSigninToken or login).`);
  }

  signinTokens(): SigninTokenInfo[] {
    return [...this.tokens.values()].map((t) => ({ ...t, login: t.login && { ...t.login } }));
  }

  private getSigninToken(q: URLSearchParams): FederationReply {
    const rawDuration = q.get('SessionDuration');
    let sessionDuration: number | undefined;
    if (rawDuration !== null) {
      sessionDuration = /^\d{1,6}$/.test(rawDuration) ? Number(rawDuration) : NaN;
      if (!(sessionDuration >= 900 && sessionDuration <= 43200)) throw invalid('SessionDuration must be a whole number of seconds from 900 to 43200.');
    }
    const raw = q.get('Session');
    if (raw === null) throw invalid('The Session parameter is missing.');
    let session: unknown;
    try {
      session = JSON.parse(raw);
    } catch {
      throw invalid('Invalid credentials parameter: Session is not JSON.');
    }
    const field = (name: string): string => {
      const v = typeof session === 'object' && session !== null ? (session as Record<string, unknown>)[name] : undefined;
      if (typeof v !== 'string' || v === '') throw invalid(`Invalid credentials parameter: Session needs a string "${name}".`);
      return v;
    };
    const [sessionId, sessionKey, sessionToken] = [field('sessionId'), field('sessionKey'), field('sessionToken')];
    const key = this.store.lookupKey(sessionId);
    if (key?.kind === 'user') throw refused('Long-term access keys cannot get a sign-in token; use temporary credentials from AssumeRole.');
    if (!key || !constantTimeEqual(sessionKey, key.secretAccessKey) || !constantTimeEqual(sessionToken, key.sessionToken)) {
      throw refused('The credentials in Session are not valid.');
    }
    const now = this.store.now();
    if (now >= key.expiresAtMs) throw refused('The credentials in Session have expired.');
    const caller = key.caller;
    if (caller.kind !== 'role-session') throw refused('GetSessionToken credentials cannot get a sign-in token; use temporary credentials from AssumeRole.');

    this.prune(now);
    const token = randomBytes(192).toString('base64url');
    this.tokens.set(token, {
      token, accessKeyId: sessionId, roleArn: caller.role.arn, assumedRoleArn: assumedRoleArn(caller.role, caller.sessionName),
      at: now, expiresAt: now + TOKEN_LIFETIME_MS, sessionDuration, login: undefined,
    });
    return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ SigninToken: token }) };
  }

  private login(q: URLSearchParams): FederationReply {
    const token = q.get('SigninToken');
    if (!token) throw invalid('The SigninToken parameter is missing.');
    const destination = q.get('Destination');
    if (!destination) throw invalid('The Destination parameter is missing.');
    let parsed: URL;
    try {
      parsed = new URL(destination);
    } catch {
      throw invalid('Destination must be an absolute URL.');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalid('Destination must be an http(s) URL.');
    const record = this.tokens.get(token);
    const now = this.store.now();
    const bad = (why: string): FederationError => new FederationError(400, 'InvalidSigninToken', why);
    if (!record) throw bad('The sign-in token is not valid.');
    if (record.login) throw bad('The sign-in token was already used.');
    if (now >= record.expiresAt) throw bad('The sign-in token has expired (tokens are good for 15 minutes).');
    record.login = { at: now, issuer: q.get('Issuer') ?? undefined, destination };
    return federationReply(302, '', { Location: destination });
  }

  /** Forget tokens that expired more than a day ago, so long runs stay small. */
  private prune(now: number): void {
    for (const [token, t] of this.tokens) if (t.expiresAt < now - 86_400_000) this.tokens.delete(token);
  }
}
