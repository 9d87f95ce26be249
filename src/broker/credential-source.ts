import type { LongTermKey, SigningCredentials, TemporaryCredentials } from '../domain/credentials.js';
import { ActionRequiredError, ConfigError, KeychainError, mfaRequired, StsError } from '../domain/errors.js';
import type { AmbientCredentialSource, AssumeRoleInput, LoginCredentialSource, ProcessCredentialSource, SecretStore, SsoCredentialSource, StsGateway } from '../domain/ports.js';
import { mfaProcessOf, mfaSerialOf, type KeychainProfile, type ProcessProfile, type Profile, type RoleProfile } from '../domain/profile.js';
import { sessionNameFor, type SessionScope } from '../domain/session-scope.js';
import { decodeKey, keyItem } from '../domain/stored-key.js';
import type { MfaSessions } from './mfa-sessions.js';
import { webIdentityCredentials } from './web-identity.js';

/** AWS caps a role assumed with temporary credentials (role chaining) at one hour. */
export const CHAINED_ROLE_MAX_SECONDS = 3600;
/** Lifetime asked of GetSessionToken when a plain IAM-user profile (no MFA) is served. */
export const USER_SESSION_SECONDS = 3600;

/** A scope's AssumeRole parameters; a policy file not yet read is a bug in the caller, never a silent "whole role". */
function scopeParams(scope: SessionScope | undefined): Partial<AssumeRoleInput> {
  if (!scope) return {};
  if (scope.policyFile !== undefined && scope.policy === undefined) throw new ConfigError(`The session policy file ${scope.policyFile} was not read.`);
  return {
    ...(scope.policy !== undefined && { policy: scope.policy }),
    ...(scope.policyArns !== undefined && { policyArns: scope.policyArns }),
    ...(scope.sourceIdentity !== undefined && { sourceIdentity: scope.sourceIdentity }),
    ...(scope.tags !== undefined && { tags: scope.tags }),
    ...(scope.transitiveTagKeys !== undefined && { transitiveTagKeys: scope.transitiveTagKeys }),
  };
}

export interface CredentialSourceDeps {
  store: SecretStore;
  sts: StsGateway;
  mfa: MfaSessions;
  sso?: SsoCredentialSource;
  process?: ProcessCredentialSource;
  ambient?: AmbientCredentialSource;
  login?: LoginCredentialSource;
  readTextFile?(path: string): Promise<string>;
  roleSessionName: string;
  /** Credentials of another profile, through the broker's cache (role → role chains). */
  credentialsOf(profile: string): Promise<TemporaryCredentials>;
}

/** Knows which STS calls turn a resolved profile into credentials. Holds no state of its own. */
export class CredentialSource {
  constructor(private readonly deps: CredentialSourceDeps) {}

  async obtain(profile: Profile): Promise<TemporaryCredentials> {
    if (profile.kind === 'keychain') return this.userSession(profile);
    if (profile.kind === 'sso') {
      if (!this.deps.sso) throw new ConfigError(`Profile "${profile.name}" is an IAM Identity Center (SSO) profile, which this daemon was built without.`);
      return this.deps.sso.roleCredentials(profile);
    }
    if (profile.kind === 'web-identity') {
      if (!this.deps.readTextFile) throw new ConfigError(`Profile "${profile.name}" is a web identity profile, which this daemon was built without.`);
      return webIdentityCredentials(profile, { sts: this.deps.sts, readTextFile: this.deps.readTextFile, roleSessionName: this.deps.roleSessionName });
    }
    if (profile.kind === 'process') return this.processSession(profile);
    if (profile.kind === 'login') {
      if (!this.deps.login) throw new ConfigError(`Profile "${profile.name}" is an aws login session, which this daemon was built without.`);
      return this.deps.login.credentials(profile);
    }
    if (profile.kind === 'ambient') throw new ConfigError(`Profile "${profile.name}": a credential_source is served only as the source of its role.`);
    return this.assumeRole(profile);
  }

  async loadKey(profile: KeychainProfile): Promise<LongTermKey> {
    let raw: string | undefined;
    try {
      raw = await this.deps.store.get(keyItem(profile.name));
    } catch (err) {
      if (err instanceof KeychainError) throw err;
      throw new KeychainError(`Could not read the key of profile "${profile.name}" from the ${this.deps.store.description}: ${(err as Error).message}`);
    }
    if (raw === undefined && profile.plaintextKeyIn !== undefined) {
      throw new ActionRequiredError('NoKey', `Profile "${profile.name}" has its key only in ${profile.plaintextKeyIn}, which credd does not read; run: credd import ${profile.name}`);
    }
    if (raw === undefined) {
      const hint = profile.inConfig ? '' : ' (it is not in your AWS config either — check the name)';
      throw new ActionRequiredError('NoKey', `Profile "${profile.name}" has no access key in credd${hint}; run: credd add ${profile.name}`);
    }
    const key = decodeKey(raw);
    if (!key) throw new KeychainError(`The stored key of profile "${profile.name}" is unreadable; run: credd add ${profile.name} --force`);
    return key;
  }

  /**
   * A plain IAM-user profile is served as a session, never as its long-term key: its MFA
   * session when it has mfa_serial, else a one-hour GetSessionToken session.
   */
  private async userSession(profile: KeychainProfile): Promise<TemporaryCredentials> {
    if (profile.mfaSerial !== undefined) return this.deps.mfa.current({ user: profile, serial: profile.mfaSerial, forProfile: profile.name, mfaProcess: profile.mfaProcess });
    const key = await this.loadKey(profile);
    return this.deps.sts.getSessionToken({
      key,
      region: profile.region,
      ...(profile.endpoint !== undefined && { endpoint: profile.endpoint }),
      durationSeconds: profile.sessionDurationSeconds ?? USER_SESSION_SECONDS,
    });
  }

  private async assumeRole(profile: RoleProfile): Promise<TemporaryCredentials> {
    const serial = mfaSerialOf(profile);
    const signing = await this.signingFor(profile, serial);
    const chained = signing.sessionToken !== undefined;
    if (chained && profile.durationSeconds !== undefined && profile.durationSeconds > CHAINED_ROLE_MAX_SECONDS) {
      const why = serial !== undefined && profile.source.kind === 'keychain' ? 'through an MFA session' : `from temporary credentials (source "${profile.source.name}")`;
      throw new ConfigError(
        `Profile "${profile.name}": duration_seconds ${profile.durationSeconds} is over 3600, the most AWS allows for a role assumed ${why}; lower it to 3600 or less.`,
      );
    }
    try {
      return await this.deps.sts.assumeRole({
        credentials: signing,
        region: profile.region,
        ...(profile.endpoint !== undefined && { endpoint: profile.endpoint }),
        roleArn: profile.roleArn,
        roleSessionName: sessionNameFor(profile.roleSessionName ?? this.deps.roleSessionName, undefined, undefined),
        ...(profile.durationSeconds !== undefined && { durationSeconds: profile.durationSeconds }),
        ...(profile.externalId !== undefined && { externalId: profile.externalId }),
        ...scopeParams(profile.scope),
      });
    } catch (err) {
      // STS no longer honours the MFA session (expired early, revoked): drop it and ask again.
      if (serial !== undefined && profile.source.kind === 'keychain' && err instanceof StsError && (err.failure === 'ExpiredToken' || err.failure === 'InvalidClientTokenId')) {
        await this.deps.mfa.drop(profile.source.name);
        throw mfaRequired(profile.name, profile.source.name, serial, 'needs a new MFA code: STS no longer accepts the MFA session');
      }
      throw err;
    }
  }

  /**
   * A credential_process switched to directly: only temporary output is served. Long-term
   * keys would go out over HTTP to every client unchanged, and roles are what credd hands out.
   */
  private async processSession(profile: ProcessProfile): Promise<TemporaryCredentials> {
    if (!this.deps.process) throw new ConfigError(`Profile "${profile.name}" is a credential_process profile, which this daemon was built without.`);
    const out = await this.deps.process.credentials(profile);
    if (out.sessionToken === undefined || out.expiration === undefined) {
      throw new ConfigError(
        `Profile "${profile.name}": its credential_process returns long-term keys (no SessionToken and Expiration), which credd does not serve; switch to a role with source_profile = ${profile.name} instead.`,
      );
    }
    return { accessKeyId: out.accessKeyId, secretAccessKey: out.secretAccessKey, sessionToken: out.sessionToken, expiration: out.expiration, ...(out.accountId !== undefined && { accountId: out.accountId }) };
  }

  /** The user at the root signs with its MFA session when any profile of the chain asks for MFA. */
  private async signingFor(profile: RoleProfile, serial: string | undefined): Promise<SigningCredentials> {
    const source = profile.source;
    if (source.kind === 'process') {
      if (!this.deps.process) throw new ConfigError(`Profile "${source.name}" is a credential_process profile, which this daemon was built without.`);
      return this.deps.process.credentials(source);
    }
    if (source.kind === 'ambient') {
      if (!this.deps.ambient) throw new ConfigError(`Profile "${profile.name}" uses credential_source, which this daemon was built without.`);
      return this.deps.ambient.credentials(source);
    }
    if (source.kind !== 'keychain') return this.deps.credentialsOf(source.name);
    if (serial === undefined) return this.loadKey(source);
    return this.deps.mfa.current({ user: source, serial, forProfile: profile.name, mfaProcess: mfaProcessOf(profile) });
  }
}
