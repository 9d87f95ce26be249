/** What an MFA code looks like before STS sees it: six digits (TOTP). */
export const MFA_CODE_SHAPE = 'An MFA code is 6 digits.';

export function isMfaCode(code: unknown): code is string {
  return typeof code === 'string' && /^\d{6}$/.test(code);
}
