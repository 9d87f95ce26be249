import assert from 'node:assert/strict';

/** Secrets that must never show up in a body or a log. */
export function assertNoSecrets(text: string, secrets: readonly string[], where: string): void {
  for (const s of secrets) if (s.length >= 8) assert.ok(!text.includes(s), `a secret (${s.length} chars) appeared in ${where}`);
}

/** No credential of any kind in a refused request's answer. */
export function assertNoCredential(text: string, where: string): void {
  assert.ok(!text.includes('ASIA') && !text.includes('SecretAccessKey'), `credential material in ${where}: ${text.split('\r\n')[0]?.slice(0, 60) ?? ''}…`);
}
