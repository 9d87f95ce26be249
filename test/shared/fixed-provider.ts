import { ActionRequiredError, StsError } from '../../src/domain/errors.js';
import type { CredentialProvider, ServeResult } from '../../src/domain/ports.js';

export const FIXED_CREDS = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  secretAccessKey: 'S'.repeat(40),
  sessionToken: 'T'.repeat(200),
  expiration: new Date('2026-11-25T21:30:00.123Z'),
  accountId: '123456789012',
};

/**
 * Fixed outcomes per profile, to drive every HTTP rule of the endpoints:
 * "needs-mfa" needs action, "denied" fails at STS, anything else succeeds.
 */
export function fixedProvider(activeProfile: string | null = 'readonly'): CredentialProvider & { asked: Array<string | undefined>; active: string | undefined } {
  const asked: Array<string | undefined> = [];
  return {
    asked,
    active: activeProfile ?? undefined,
    describe: () => ({ region: 'eu-west-1', accountId: FIXED_CREDS.accountId }),
    async serve(profile?: string): Promise<ServeResult> {
      asked.push(profile);
      if (profile === 'needs-mfa') return { ok: false, error: new ActionRequiredError('MfaRequired', 'Profile "needs-mfa" needs an MFA code; run: credd switch needs-mfa') };
      if (profile === 'denied') return { ok: false, error: new StsError('AccessDenied', 'STS denied access: not authorized') };
      return { ok: true, creds: FIXED_CREDS, profile: profile ?? 'active' };
    },
  };
}
