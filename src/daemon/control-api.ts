import type { CredentialBroker } from '../broker/credential-broker.js';
import { creddVersion } from '../platform/version.js';
import type { ProfileStatus, SwitchResult } from '../protocol/control-api.js';
import type { ControlApi } from '../server/build-control.js';
import { daemonStatus } from './daemon-status.js';
import { secretControl, storeStatus, type SecretControlContext } from './secret-control.js';
import { switchResult } from './switch-result.js';

export interface ControlContext extends SecretControlContext {
  broker: CredentialBroker;
  port(): number;
  startedAt: Date;
  storeDescription: string;
  configFile: string;
  stop(): void;
  /** Something the notice depends on may have changed. */
  changed(): void;
  /** The region programs using `profile` get, from the daemon's copy of the config (see SwitchResult). */
  clientRegion(profile: string): Promise<string | undefined>;
  /** For a down-scoped exec slot: its profile, scope and live execs. */
  describeSlot?(slot: string): ProfileStatus['scoped'];
}

/** The control API over the broker: what `credd switch/status/stop` talk to. */
export function controlApi(ctx: ControlContext): ControlApi {
  return {
    status: async () =>
      daemonStatus(ctx.broker.view(), {
        pid: process.pid,
        version: creddVersion(),
        port: ctx.port(),
        startedAt: ctx.startedAt,
        store: ctx.storeDescription,
        storeState: storeStatus(ctx.store),
        configFile: ctx.configFile,
        ...(ctx.describeSlot !== undefined && { describeSlot: ctx.describeSlot }),
      }),
    ...secretControl(ctx),
    // `credd switch` is the user acting: a keychain that said no may be asked once more.
    switchTo: async (profile) => {
      ctx.store.retry();
      const creds = await ctx.broker.switchTo(profile).finally(ctx.changed);
      return thenNoticeChanged(ctx, switchResult(ctx.broker.view(), profile, creds, await regionOf(ctx, profile)));
    },
    prime: async (profile) => {
      const creds = await ctx.broker.prime(profile);
      return switchResult(ctx.broker.view(), profile, creds, await regionOf(ctx, profile));
    },
    clear: async (profile) => thenNoticeChanged(ctx, await ctx.broker.clear(profile)),
    recheck: async () => thenNoticeChanged(ctx, ctx.broker.recheck()),
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

/** The profile's region for the CLI to record; left out when the config cannot say (the CLI then reads it itself and reports why). */
function regionOf(ctx: ControlContext, profile: string): Promise<Pick<SwitchResult, 'region'>> {
  return ctx.clientRegion(profile).then(
    (region) => ({ region: region ?? null }),
    () => ({}),
  );
}

/** The call may have changed what the notice says: recompute it, then answer. */
function thenNoticeChanged<T>(ctx: ControlContext, value: T): T {
  ctx.changed();
  return value;
}
