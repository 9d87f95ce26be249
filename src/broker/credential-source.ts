import type { LongTermKey, SigningCredentials, TemporaryCredentials } from '../domain/credentials.js';
import { ActionRequiredError, ConfigError, KeychainError } from '../domain/errors.js';
import type { SecretStore, StsGateway } from '../domain/ports.js';
import { mfaSerialOf, type KeychainProfile, type Profile, type RoleProfile } from '../domain/profile.js';
import { decodeKey, keyItem } from '../domain/stored-key.js';

/** AWS caps a role assumed with temporary credentials (role chaining) at one hour. */
export const CHAINED_ROLE_MAX_SECONDS = 3600;
/** Lifetime asked of GetSessionToken when a plain IAM-user profile is served. */
export const USER_SESSION_SECONDS = 3600;

export interface CredentialSourceDeps {
  store: SecretStore;
  sts: StsGateway;
  roleSessionName: string;
  /** Credentials of another profile, through the broker's cache (role → role chains). */
  credentialsOf(profile: string): Promise<TemporaryCredentials>;
}

/** Knows which STS calls turn a resolved profile into credentials. Holds no state. */
export class CredentialSource {
  constructor(private readonly deps: CredentialSourceDeps) {}

  async obtain(profile: Profile): Promise<TemporaryCredentials> {
    const serial = mfaSerialOf(profile);
    if (serial !== undefined) {
      throw new ActionRequiredError(
        'MfaNotSupported',
        `Profile "${profile.name}" needs MFA (mfa_serial ${serial}), which this version of credd does not support yet.`,
      );
    }
    if (profile.kind === 'keychain') return this.userSession(profile);
    return this.assumeRole(profile);
  }

  async loadKey(profile: string, inConfig: boolean): Promise<LongTermKey> {
    let raw: string | undefined;
    try {
      raw = await this.deps.store.get(keyItem(profile));
    } catch (err) {
      if (err instanceof KeychainError) throw err;
      throw new KeychainError(`Could not read the key of profile "${profile}" from the ${this.deps.store.description}: ${(err as Error).message}`);
    }
    if (raw === undefined) {
      const hint = inConfig ? '' : ` (it is not in your AWS config either — check the name)`;
      throw new ActionRequiredError('NoKey', `Profile "${profile}" has no access key in credd${hint}; run: credd add ${profile}`);
    }
    const key = decodeKey(raw);
    if (!key) throw new KeychainError(`The stored key of profile "${profile}" is unreadable; run: credd add ${profile} --force`);
    return key;
  }

  /** A plain IAM-user profile is served as a GetSessionToken session, never as its long-term key. */
  private async userSession(profile: KeychainProfile): Promise<TemporaryCredentials> {
    const key = await this.loadKey(profile.name, profile.inConfig);
    return this.deps.sts.getSessionToken({
      key,
      region: profile.region,
      ...(profile.endpoint !== undefined && { endpoint: profile.endpoint }),
      durationSeconds: profile.sessionDurationSeconds ?? USER_SESSION_SECONDS,
    });
  }

  private async assumeRole(profile: RoleProfile): Promise<TemporaryCredentials> {
    const signing = await this.signingFor(profile.source);
    const chained = signing.sessionToken !== undefined;
    if (chained && profile.durationSeconds !== undefined && profile.durationSeconds > CHAINED_ROLE_MAX_SECONDS) {
      throw new ConfigError(
        `Profile "${profile.name}": duration_seconds ${profile.durationSeconds} is over 3600, the most AWS allows when a role is assumed from temporary credentials (source "${profile.source.name}"); lower it to 3600 or less.`,
      );
    }
    const creds = await this.deps.sts.assumeRole({
      credentials: signing,
      region: profile.region,
      ...(profile.endpoint !== undefined && { endpoint: profile.endpoint }),
      roleArn: profile.roleArn,
      roleSessionName: profile.roleSessionName ?? this.deps.roleSessionName,
      ...(profile.durationSeconds !== undefined && { durationSeconds: profile.durationSeconds }),
      ...(profile.externalId !== undefined && { externalId: profile.externalId }),
    });
    return creds;
  }

  private async signingFor(source: Profile): Promise<SigningCredentials> {
    if (source.kind === 'keychain') return this.loadKey(source.name, source.inConfig);
    return this.deps.credentialsOf(source.name);
  }
}
