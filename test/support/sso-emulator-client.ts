// Drives an SSO emulator running in another process (sso-emulator-main) over its /__admin/ JSON API.
import { connectAdmin } from '../shared/admin-client.js';
import type { EntitleOptions, SsoCall, SsoFault } from './sso-emulator.js';

export interface SsoEmulatorClient {
  readonly url: string;
  approve(userCode: string, opts?: { user?: string }): Promise<void>;
  deny(userCode: string): Promise<void>;
  pendingUserCodes(): Promise<string[]>;
  entitle(accountId: string, roleName: string, opts?: EntitleOptions): Promise<void>;
  setAccessTokenLifetimeSeconds(seconds: number): Promise<void>;
  setSessionLifetimeSeconds(seconds: number): Promise<void>;
  setPollInterval(seconds: number): Promise<void>;
  forceSlowDown(times: number): Promise<void>;
  advance(ms: number): Promise<void>;
  now(): Promise<number>;
  counts(): Promise<Record<string, number>>;
  calls(): Promise<SsoCall[]>;
  resetCounts(): Promise<void>;
  revokeAll(): Promise<void>;
  setFault(fault: SsoFault | null, opts?: { times?: number; actions?: string[] }): Promise<void>;
}

/** Connects (and checks the admin API answers) to an emulator started by sso-emulator-main. */
export async function connectSsoEmulator(url: string): Promise<SsoEmulatorClient> {
  const base = url.replace(/\/+$/, '');
  const call = await connectAdmin('sso emulator', base);
  const done = async (verb: string, body: object): Promise<void> => void (await call(verb, body));
  return {
    url: base,
    approve: (userCode, opts = {}) => done('approve', { userCode, user: opts.user ?? null }),
    deny: (userCode) => done('deny', { userCode }),
    pendingUserCodes: async () => (await call<{ userCodes: string[] }>('pendingUserCodes')).userCodes,
    entitle: (accountId, roleName, opts = {}) =>
      done('entitle', { accountId, roleName, user: opts.user ?? null, startUrl: opts.startUrl ?? null, sessionDurationSeconds: opts.sessionDurationSeconds ?? null }),
    setAccessTokenLifetimeSeconds: (seconds) => done('setAccessTokenLifetimeSeconds', { seconds }),
    setSessionLifetimeSeconds: (seconds) => done('setSessionLifetimeSeconds', { seconds }),
    setPollInterval: (seconds) => done('setPollInterval', { seconds }),
    forceSlowDown: (times) => done('forceSlowDown', { times }),
    advance: (ms) => done('advance', { ms }),
    now: async () => (await call<{ now: number }>('now')).now,
    counts: async () => (await call<{ counts: Record<string, number> }>('counts')).counts,
    calls: async () => (await call<{ calls: SsoCall[] }>('counts')).calls,
    resetCounts: () => done('resetCounts', {}),
    revokeAll: () => done('revokeAll', {}),
    setFault: (fault, opts = {}) => done('setFault', { fault, times: opts.times ?? null, actions: opts.actions ?? null }),
  };
}
