import type { CredentialBroker } from '../broker/credential-broker.js';
import type { TemporaryCredentials } from '../domain/credentials.js';
import type { ControlApi } from '../server/build-control.js';
import type { DaemonStatus, MfaStatus, ProfileStatus, SwitchResult } from '../protocol/control-api.js';
import { creddVersion } from '../platform/version.js';
import { secretControl, storeStatus, type SecretControlContext } from './secret-control.js';

export interface ControlContext extends SecretControlContext {
  broker: CredentialBroker;
  port(): number;
  startedAt: Date;
  storeDescription: string;
  configFile: string;
  stop(): void;
  /** Something the notice depends on may have changed. */
  changed(): void;
  /** For a down-scoped exec slot: its profile, scope and live execs. */
  describeSlot?(slot: string): ProfileStatus['scoped'];
}

/** The control API over the broker: what `credd switch/status/stop` talk to. */
export function controlImpl(ctx: ControlContext): ControlApi {
  return {
    status: async () => status(ctx),
    ...secretControl(ctx),
    // `credd switch` is the user acting: a keychain that said no may be asked once more.
    switchTo: async (profile) => {
      ctx.store.retry();
      return after(ctx, switchResult(ctx.broker, profile, await ctx.broker.switchTo(profile).finally(ctx.changed)));
    },
    prime: async (profile) => switchResult(ctx.broker, profile, await ctx.broker.prime(profile)),
    clear: async (profile) => after(ctx, await ctx.broker.clear(profile)),
    recheck: async () => after(ctx, ctx.broker.recheck()),
    exportCredentials: async (profile) => {
      const creds = await ctx.broker.prime(profile);
      const region = ctx.broker.describe(profile).region;
      return {
        profile,
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
        expiration: creds.expiration.toISOString(),
        ...(region !== undefined && { region }),
        ...(creds.assumedRoleArn !== undefined && { assumedRoleArn: creds.assumedRoleArn }),
      };
    },
    mfaSession: async (profile) => {
      const c = await ctx.broker.mfaSessionFor(profile);
      return { profile, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration.toISOString() };
    },
    mfaLogin: async (profile, code) => {
      const r = await ctx.broker.mfaLogin(profile, code).finally(ctx.changed);
      return { sourceProfile: r.sourceProfile, serial: r.serial, expiration: r.expiration.toISOString() };
    },
    stop: () => ctx.stop(),
  };
}

function after<T>(ctx: ControlContext, value: T): T {
  ctx.changed();
  return value;
}

function switchResult(broker: CredentialBroker, profile: string, creds: TemporaryCredentials): SwitchResult {
  const user = broker.snapshot().find((s) => s.name === profile)?.userName;
  const session = broker.mfa.known().find((s) => s.profile === user);
  return {
    profile,
    expiration: creds.expiration.toISOString(),
    ...(creds.assumedRoleArn !== undefined && { assumedRoleArn: creds.assumedRoleArn }),
    ...(session && { mfaExpiration: session.expiration.toISOString() }),
  };
}

function mfaStatus(broker: CredentialBroker): MfaStatus[] {
  const byUser = new Map<string, MfaStatus>();
  for (const s of broker.mfa.known()) byUser.set(s.profile, { profile: s.profile, serial: s.serial, expiration: s.expiration.toISOString() });
  for (const [user, need] of broker.mfa.needs) {
    byUser.set(user, { ...byUser.get(user), profile: user, serial: need.serial, neededSince: new Date(need.since).toISOString(), neededFor: need.forProfile });
  }
  return [...byUser.values()];
}

function status(ctx: ControlContext): DaemonStatus {
  const { broker } = ctx;
  const profiles: ProfileStatus[] = broker.snapshot().map((slot) => {
    const freshness = broker.freshness(slot.name);
    const scoped = ctx.describeSlot?.(slot.name);
    return {
      ...(scoped !== undefined && { scoped }),
      name: slot.name,
      active: slot.name === broker.active,
      refreshing: slot.inflight !== undefined,
      ...(slot.creds && { expiration: slot.creds.expiration.toISOString() }),
      ...(freshness !== undefined && { freshness }),
      ...(slot.creds?.assumedRoleArn !== undefined && { assumedRoleArn: slot.creds.assumedRoleArn }),
      ...(slot.nextAttemptAt !== undefined && { nextRefreshAt: new Date(slot.nextAttemptAt).toISOString() }),
      ...(slot.lastError && {
        lastError: { code: slot.lastError.code, message: slot.lastError.message, at: new Date(slot.lastErrorAt ?? 0).toISOString() },
      }),
    };
  });
  return {
    running: true,
    pid: process.pid,
    version: creddVersion(),
    port: ctx.port(),
    startedAt: ctx.startedAt.toISOString(),
    activeProfile: broker.active ?? null,
    store: ctx.storeDescription,
    storeState: storeStatus(ctx.store),
    configFile: ctx.configFile,
    profiles,
    mfa: mfaStatus(broker),
    stats: { ...broker.stats },
  };
}
