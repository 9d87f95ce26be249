import type { TemporaryCredentials } from '../domain/credentials.js';
import type { BrokerDeps } from './broker-deps.js';
import { CredentialSource } from './credential-source.js';
import { MfaSessions } from './mfa-sessions.js';

/**
 * Wires the broker's two sources: MFA sessions (which need a profile's key) and the credential
 * source (which needs MFA sessions, and the broker's cache for roles that chain through others).
 */
export function brokerSources(deps: BrokerDeps, credentialsOf: (name: string) => Promise<TemporaryCredentials>): { mfa: MfaSessions; source: CredentialSource } {
  const mfa: MfaSessions = new MfaSessions({
    store: deps.store,
    sts: deps.sts,
    clock: deps.clock,
    logger: deps.logger,
    loadKey: (p) => source.loadKey(p),
    ...(deps.runCommand && { runCommand: deps.runCommand }),
  });
  const source: CredentialSource = new CredentialSource({
    store: deps.store,
    sts: deps.sts,
    mfa,
    ...(deps.sso && { sso: deps.sso }),
    ...(deps.process && { process: deps.process }),
    ...(deps.ambient && { ambient: deps.ambient }),
    ...(deps.login && { login: deps.login }),
    ...(deps.readTextFile && { readTextFile: deps.readTextFile }),
    roleSessionName: deps.roleSessionName,
    credentialsOf,
  });
  return { mfa, source };
}
