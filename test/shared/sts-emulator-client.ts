// Drives an emulator running in another process (sts-emulator-main) over its /__admin/ JSON API.
import { connectAdmin } from './admin-client.js';
import type { CreateRoleOptions, IssueTokenOptions, WebIdentityClaims, CreateUserOptions, EmulatedAccessKey, EmulatedRole, EmulatedUser, IssuedRoleSession, SigninTokenInfo, StsCall, StsFault } from '../support/sts-emulator.js';

export interface StsEmulatorClient {
  readonly url: string;
  /** `${url}/federation` */
  readonly federationUrl: string;
  createUser(opts: CreateUserOptions): Promise<EmulatedUser>;
  createRole(opts: CreateRoleOptions): Promise<EmulatedRole>;
  addMfaDevice(userName: string): Promise<{ serial: string; secret: string }>;
  /** A token of the emulator's OIDC issuer, for AssumeRoleWithWebIdentity (roles trust it through createRole's webIdentity). */
  issueWebIdentityToken(opts: IssueTokenOptions): Promise<{ token: string; claims: WebIdentityClaims }>;
  totp(serial: string, atMs?: number): Promise<string>;
  deactivateKey(accessKeyId: string): Promise<void>;
  accessKeys(userName: string, accountId?: string): Promise<EmulatedAccessKey[]>;
  signinTokens(): Promise<SigninTokenInfo[]>;
  counts(): Promise<Record<string, number>>;
  calls(): Promise<StsCall[]>;
  resetCounts(): Promise<void>;
  advance(ms: number): Promise<void>;
  now(): Promise<number>;
  setMaxIssuedDurationSeconds(seconds: number | undefined): Promise<void>;
  setFault(fault: StsFault | null, opts?: { times?: number; actions?: string[] }): Promise<void>;
  /** Session policies and attribution of every AssumeRole that succeeded, oldest first. */
  issuedRoleSessions(): Promise<IssuedRoleSession[]>;
}

type WireToken = Omit<SigninTokenInfo, 'sessionDuration' | 'login'> & {
  sessionDuration: number | null;
  login: { at: number; issuer: string | null; destination: string } | null;
};

function fromWire(t: WireToken): SigninTokenInfo {
  return { ...t, sessionDuration: t.sessionDuration ?? undefined, login: t.login ? { ...t.login, issuer: t.login.issuer ?? undefined } : undefined };
}

/** Connects (and checks the admin API answers) to an emulator started by sts-emulator-main. */
export async function connectStsEmulator(url: string): Promise<StsEmulatorClient> {
  const base = url.replace(/\/+$/, '');
  const call = await connectAdmin('sts emulator', base);
  return {
    url: base,
    federationUrl: `${base}/federation`,
    createUser: (opts) => call<EmulatedUser>('createUser', opts),
    createRole: (opts) => call<EmulatedRole>('createRole', opts),
    issueWebIdentityToken: (opts) => call<{ token: string; claims: WebIdentityClaims }>('issueWebIdentityToken', opts),
    addMfaDevice: (userName) => call<{ serial: string; secret: string }>('addMfaDevice', { userName }),
    totp: async (serial, atMs) => (await call<{ code: string }>('totp', { serial, atMs: atMs ?? null })).code,
    deactivateKey: async (accessKeyId) => void (await call('deactivateKey', { accessKeyId })),
    accessKeys: async (userName, accountId) => (await call<{ accessKeys: EmulatedAccessKey[] }>('accessKeys', { userName, accountId: accountId ?? null })).accessKeys,
    signinTokens: async () => (await call<{ tokens: WireToken[] }>('signinTokens')).tokens.map(fromWire),
    counts: async () => (await call<{ counts: Record<string, number> }>('counts')).counts,
    calls: async () => (await call<{ calls: StsCall[] }>('counts')).calls,
    resetCounts: async () => void (await call('resetCounts', {})),
    advance: async (ms) => void (await call('advance', { ms })),
    now: async () => (await call<{ now: number }>('now')).now,
    setMaxIssuedDurationSeconds: async (seconds) => void (await call('setMaxIssuedDurationSeconds', { seconds: seconds ?? null })),
    setFault: async (fault, opts = {}) => void (await call('setFault', { fault, times: opts.times ?? null, actions: opts.actions ?? null })),
    issuedRoleSessions: async () => (await call<{ sessions: IssuedRoleSession[] }>('issuedRoleSessions', {})).sessions,
  };
}
