import { ActionRequiredError } from '../domain/errors.js';
import type { ProcessCredentialSource } from '../domain/ports.js';
import { rootOf, type Profile } from '../domain/profile.js';
import type { MfaSessions } from './mfa-sessions.js';
import type { SlotTable } from './slot-table.js';

export interface ForgetContext {
  slots: SlotTable;
  mfa: MfaSessions;
  process?: ProcessCredentialSource | undefined;
  loadProfile(name: string): Promise<Profile>;
}

/**
 * `credd clear [PROFILE]`: forget cached role credentials and the MFA session behind them
 * (of PROFILE's IAM user, or of everyone).
 */
export async function clearSlots(ctx: ForgetContext, name?: string): Promise<void> {
  if (name === undefined) {
    for (const slot of ctx.slots.values()) ctx.slots.drop(slot);
    ctx.process?.forget();
    await ctx.mfa.dropAll();
    return;
  }
  const user = rootOf(await ctx.loadProfile(name)).name;
  for (const slot of ctx.slots.values()) {
    if (slot.name === name || slot.name === user || slot.root === user) ctx.slots.drop(slot);
  }
  ctx.process?.forget(user);
  await ctx.mfa.drop(user);
}

/**
 * The user just acted (SSO sign-in, or an MFA code for `user`): requests that failed for want
 * of that may go again at once instead of after the local re-check interval.
 */
export function recheckSlots(slots: SlotTable, user?: string): void {
  for (const slot of slots.values()) {
    if (!(slot.lastError instanceof ActionRequiredError)) continue;
    if (user === undefined || slot.root === undefined || slot.root === user) delete slot.lastErrorAt;
  }
}
