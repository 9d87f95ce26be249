import type { CredentialBroker } from '../broker/credential-broker.js';
import type { TemporaryCredentials } from '../domain/credentials.js';
import type { ControlApi } from '../server/build-control.js';
import type { DaemonStatus, ProfileStatus, SwitchResult } from '../protocol/control-api.js';
import { creddVersion } from '../platform/version.js';

export interface ControlContext {
  broker: CredentialBroker;
  port(): number;
  startedAt: Date;
  storeDescription: string;
  configFile: string;
  stop(): void;
}

/** The control API over the broker: what `credd switch/status/stop` talk to. */
export function controlImpl(ctx: ControlContext): ControlApi {
  return {
    status: async () => status(ctx),
    switchTo: async (profile) => switchResult(profile, await ctx.broker.switchTo(profile)),
    prime: async (profile) => switchResult(profile, await ctx.broker.prime(profile)),
    clear: async (profile) => ctx.broker.clear(profile),
    stop: () => ctx.stop(),
  };
}

function switchResult(profile: string, creds: TemporaryCredentials): SwitchResult {
  return {
    profile,
    expiration: creds.expiration.toISOString(),
    ...(creds.assumedRoleArn !== undefined && { assumedRoleArn: creds.assumedRoleArn }),
  };
}

function status(ctx: ControlContext): DaemonStatus {
  const { broker } = ctx;
  const profiles: ProfileStatus[] = broker.snapshot().map((slot) => {
    const freshness = broker.freshness(slot.name);
    return {
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
    configFile: ctx.configFile,
    profiles,
    stats: { ...broker.stats },
  };
}
