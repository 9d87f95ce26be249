import type { BrokerView, ProfileView } from '../broker/broker-view.js';
import type { WaitingFor } from '../domain/waiting-for.js';
import type { StoreState } from '../keychain/guarded-store.js';

/** Warn this long before the MFA session behind the active profile ends. */
export const SESSION_WARNING_MS = 15 * 60_000;
/** Profiles asked for this recently (or active) are the user's concern; others are not. */
const RECENT_MS = 60 * 60_000;
/** When several profiles wait, the one whose fix unblocks most comes first. */
const ORDER: readonly WaitingFor[] = ['mfa', 'sso', 'login', 'unlock', 'keychain'];

function hhmm(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * The one line a shell hook prints at the prompt, or undefined when all is well. JS SDKs
 * throw our 4xx message away, so this is how a user learns that credd waits for them.
 */
export function noticeFor(view: BrokerView, store?: StoreState): string | undefined {
  if (store?.state === 'blocked') return store.code === 'KeychainLocked' ? 'keychain locked or access denied; run: credd unlock' : 'locked: run credd unlock';
  const recent = view.profiles.filter((p) => p.active || view.now - p.lastRequestedAt < RECENT_MS);
  for (const kind of ORDER) {
    // A guarded store that is open again has ended every keychain wait, even before the profile is fetched again.
    if (store !== undefined && (kind === 'keychain' || kind === 'unlock')) continue;
    const waiting = recent.find((p) => p.waitingFor === kind);
    if (waiting) return waitingLine(view, waiting, kind);
  }
  const active = view.profiles.find((p) => p.active);
  const session = view.mfa.find((m) => m.user === active?.root && m.expiresAt !== undefined);
  if (active && session?.expiresAt !== undefined) {
    const left = session.expiresAt - view.now;
    if (left > 0 && left < SESSION_WARNING_MS) return `MFA session of ${session.user} ends at ${hhmm(session.expiresAt)}; renew now with: credd mfa ${active.name}`;
  }
  return undefined;
}

function waitingLine(view: BrokerView, p: ProfileView, kind: WaitingFor): string {
  switch (kind) {
    case 'mfa': {
      const since = view.mfa.find((m) => m.user === p.root)?.needed?.since ?? p.lastError?.at ?? view.now;
      return `MFA code needed for ${p.name} since ${hhmm(since)}; run: credd switch ${p.name}`;
    }
    case 'sso':
      return `IAM Identity Center sign-in needed for ${p.name}; run: credd login ${p.name}`;
    case 'login':
      return `aws login needed for ${p.name}; run: aws login --profile ${p.name}`;
    case 'unlock':
    case 'keychain':
      return p.lastError?.message ?? `credd waits for the keychain to serve ${p.name}`;
  }
}
