// STS AssumeRoleWithWebIdentity over the shared identity store: unsigned (the token is the proof),
// the token checked by the emulator's issuer, the role's trust by audience and subject.
import { NAME_PATTERN, assumedRoleArn, validationError, type IamStore, type Params } from './iam-store.js';
import { StsApiError, awsTimestamp, type XmlTree } from './sts-xml.js';
import type { WebIdentityIssuer } from './web-identity-issuer.js';

export function assumeRoleWithWebIdentity(store: IamStore, issuer: WebIdentityIssuer, params: Params): { result: XmlTree; tokenId: string } {
  const roleArn = params('RoleArn');
  if (roleArn === undefined) throw validationError('roleArn', 'null', 'Member must not be null');
  const sessionName = params('RoleSessionName');
  if (sessionName === undefined) throw validationError('roleSessionName', 'null', 'Member must not be null');
  if (sessionName.length < 2 || sessionName.length > 64 || !NAME_PATTERN.test(sessionName)) {
    throw validationError('roleSessionName', sessionName, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
  }
  const token = params('WebIdentityToken');
  if (token === undefined) throw validationError('webIdentityToken', 'null', 'Member must not be null');
  if (token.length < 4 || token.length > 20_000) throw validationError('webIdentityToken', '***', 'Member must have length between 4 and 20000');
  const rawDuration = params('DurationSeconds');
  const duration = rawDuration === undefined ? 3600 : Number(rawDuration);
  if (!/^\d{1,6}$/.test(rawDuration ?? '3600') || duration < 900 || duration > 43200) throw validationError('durationSeconds', rawDuration ?? '', 'Member must have value between 900 and 43200');

  const checked = issuer.verify(token);
  if (!checked.ok) throw new StsApiError(checked.code, checked.message);
  const { claims } = checked;
  const role = store.role(roleArn);
  const trust = role?.webIdentity;
  if (!role || !trust || trust.audience !== claims.aud || (trust.subject !== undefined && trust.subject !== claims.sub)) {
    throw new StsApiError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  }
  if (duration > role.maxSessionSeconds) throw new StsApiError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const session = store.issue(duration, { kind: 'role-session', role, sessionName, mfa: false });
  return {
    tokenId: claims.jti,
    result: {
      SubjectFromWebIdentityToken: claims.sub,
      Audience: claims.aud,
      AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: assumedRoleArn(role, sessionName) },
      Credentials: { AccessKeyId: session.accessKeyId, SecretAccessKey: session.secretAccessKey, SessionToken: session.sessionToken, Expiration: awsTimestamp(session.expiresAtMs) },
      Provider: claims.iss,
    },
  };
}
