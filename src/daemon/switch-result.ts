import type { BrokerView } from '../broker/broker-view.js';
import type { TemporaryCredentials } from '../domain/credentials.js';
import type { SwitchResult } from '../protocol/control-api.js';

/** What `credd switch` prints (the credentials, when the MFA session behind them ends) and the region it records. */
export function switchResult(view: BrokerView, profile: string, creds: TemporaryCredentials, region: Pick<SwitchResult, 'region'>): SwitchResult {
  const root = view.profiles.find((p) => p.name === profile)?.root;
  const session = view.mfa.find((m) => m.user === root && m.expiresAt !== undefined);
  return {
    profile,
    expiration: creds.expiration.toISOString(),
    ...region,
    ...(creds.assumedRoleArn !== undefined && { assumedRoleArn: creds.assumedRoleArn }),
    ...(session?.expiresAt !== undefined && { mfaExpiration: new Date(session.expiresAt).toISOString() }),
  };
}
