import type { TemporaryCredentials } from '../domain/credentials.js';
import { CreddError, StsError } from '../domain/errors.js';
import type { StsGateway } from '../domain/ports.js';
import type { WebIdentityProfile } from '../domain/profile.js';

export interface WebIdentityDeps {
  sts: StsGateway;
  /** Reads a whole file as UTF-8; rejects with the Node error (its `code` tells why). */
  readTextFile(path: string): Promise<string>;
  roleSessionName: string;
}

/**
 * AssumeRoleWithWebIdentity with the token as the file holds it now: issuers (GitHub
 * Actions, EKS, OIDC helpers) rewrite the file before the old token ends, so it is read
 * again at every refresh and never kept.
 */
export async function webIdentityCredentials(profile: WebIdentityProfile, deps: WebIdentityDeps): Promise<TemporaryCredentials> {
  const where = `Profile "${profile.name}"`;
  let token: string;
  try {
    token = (await deps.readTextFile(profile.tokenFile)).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new CreddError('WebIdentityTokenUnreadable', `${where} cannot read its web_identity_token_file ${profile.tokenFile}: ${why}.`);
  }
  if (token === '') throw new CreddError('WebIdentityTokenUnreadable', `${where} found its web_identity_token_file ${profile.tokenFile} empty.`);
  try {
    return await deps.sts.assumeRoleWithWebIdentity({
      region: profile.region,
      ...(profile.endpoint !== undefined && { endpoint: profile.endpoint }),
      roleArn: profile.roleArn,
      roleSessionName: profile.roleSessionName ?? deps.roleSessionName,
      webIdentityToken: token,
      ...(profile.durationSeconds !== undefined && { durationSeconds: profile.durationSeconds }),
    });
  } catch (err) {
    if (!(err instanceof StsError)) throw err;
    const detail =
      err.failure === 'ExpiredToken'
        ? 'the token in it has expired (its issuer should have rewritten the file)'
        : err.failure === 'InvalidIdentityToken'
          ? `STS rejected the token in it (${err.message.replace(/^STS rejected the web identity token: /, '').replace(/\.$/, '')})`
          : err.message.replace(/\.$/, '');
    throw new StsError(err.failure, `${where} (web_identity_token_file ${profile.tokenFile}): ${detail}.`, { cause: err });
  }
}
