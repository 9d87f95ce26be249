import type { BrokerView } from '../broker/broker-view.js';
import { userSlotText } from '../domain/session-scope.js';
import type { DaemonStatus, MfaStatus, ProfileStatus, StoreStatus } from '../protocol/control-api.js';

/** Facts about the running daemon that the broker does not know. */
export interface DaemonFacts {
  pid: number;
  version: string;
  port: number;
  startedAt: Date;
  store: string;
  /** The secret store's lock state, when the daemon guards it. */
  storeState?: StoreStatus;
  configFile: string;
  /** For a down-scoped exec slot: its profile, scope and live execs. */
  describeSlot?(slot: string): ProfileStatus['scoped'];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function scopedOf(facts: DaemonFacts, slot: string): Pick<ProfileStatus, 'scoped'> {
  const scoped = facts.describeSlot?.(slot);
  return scoped !== undefined ? { scoped } : {};
}

/** A scoped slot's error names its profile and scope, never the slot's internal key. */
function lastErrorText(facts: DaemonFacts, slot: string, message: string): string {
  const scoped = facts.describeSlot?.(slot);
  return scoped === undefined ? message : userSlotText(message, slot, scoped.profile, scoped.scope);
}

/** `credd status`: the broker's view and the daemon's facts, on the wire. */
export function daemonStatus(view: BrokerView, facts: DaemonFacts): DaemonStatus {
  const profiles: ProfileStatus[] = view.profiles.map((p) => ({
    ...scopedOf(facts, p.name),
    name: p.name,
    active: p.active,
    refreshing: p.refreshing,
    ...(p.expiresAt !== undefined && { expiration: iso(p.expiresAt) }),
    ...(p.freshness !== undefined && { freshness: p.freshness }),
    ...(p.assumedRoleArn !== undefined && { assumedRoleArn: p.assumedRoleArn }),
    ...(p.nextAttemptAt !== undefined && { nextRefreshAt: iso(p.nextAttemptAt) }),
    ...(p.lastError && { lastError: { code: p.lastError.code, message: lastErrorText(facts, p.name, p.lastError.message), at: iso(p.lastError.at) } }),
  }));
  return {
    running: true,
    pid: facts.pid,
    version: facts.version,
    port: facts.port,
    startedAt: facts.startedAt.toISOString(),
    activeProfile: view.active ?? null,
    store: facts.store,
    ...(facts.storeState !== undefined && { storeState: facts.storeState }),
    configFile: facts.configFile,
    profiles,
    mfa: mfaStatus(view),
    stats: { ...view.stats },
  };
}

/** One entry per IAM user: its session, the code it waits for, or both. */
export function mfaStatus(view: BrokerView): MfaStatus[] {
  return view.mfa.map((m) => ({
    profile: m.user,
    serial: m.serial,
    ...(m.expiresAt !== undefined && { expiration: iso(m.expiresAt) }),
    ...(m.needed && { neededSince: iso(m.needed.since), neededFor: m.needed.forProfile }),
  }));
}
