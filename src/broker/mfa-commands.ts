import type { TemporaryCredentials } from '../domain/credentials.js';
import { ConfigError } from '../domain/errors.js';
import { mfaProcessOf, mfaSerialOf, userOf, type Profile } from '../domain/profile.js';
import type { MfaSessions } from './mfa-sessions.js';

/** What the MFA commands need of the broker. */
export interface MfaContext {
  loadProfile(name: string): Promise<Profile>;
  mfa: MfaSessions;
  /** Let requests that failed for want of a code go again at once. */
  recheck(user: string): void;
}

/** An MFA session just started; the control API puts it on the wire as MfaLoginResult. */
export interface StartedMfaSession {
  sourceProfile: string;
  serial: string;
  expiration: Date;
}

/** The MFA session of PROFILE's IAM user, for the device PROFILE's chain names. */
export async function mfaSessionFor(ctx: MfaContext, name: string): Promise<TemporaryCredentials> {
  const profile = await ctx.loadProfile(name);
  const serial = mfaSerialOf(profile);
  const user = userOf(profile);
  if (serial === undefined || user === undefined) throw new ConfigError(`Profile "${name}" does not use MFA with an IAM user.`);
  return ctx.mfa.current({ user, serial, forProfile: name, mfaProcess: mfaProcessOf(profile) });
}

/** Starts an MFA session for PROFILE's IAM user with a code the user typed. */
export async function mfaLogin(ctx: MfaContext, name: string, code: string): Promise<StartedMfaSession> {
  const profile = await ctx.loadProfile(name);
  const serial = mfaSerialOf(profile);
  if (serial === undefined) throw new ConfigError(`Profile "${name}" has no mfa_serial (on itself or its source profile), so it needs no MFA code.`);
  const user = userOf(profile);
  if (user === undefined) throw new ConfigError(`Profile "${name}" signs in through IAM Identity Center; MFA happens at the SSO sign-in (credd login ${name}).`);
  const session = await ctx.mfa.login(user, serial, code);
  ctx.recheck(user.name);
  return { sourceProfile: user.name, serial, expiration: session.creds.expiration };
}
