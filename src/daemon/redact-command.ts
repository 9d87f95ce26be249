/** Flags and keys whose value is a secret, in any of `--name value`, `--name=value`, `name: value`. */
const SECRET_NAME = String.raw`[\w-]*(?:authorization|x-aws-ec2-metadata-token|token|secret|password|passwd|passphrase|credential|api[-_]?key)[\w-]*`;
const NAMED = new RegExp(String.raw`(${SECRET_NAME})(\s*[:=]\s*|\s+)(?:"[^"]*"|'[^']*'|\S+)`, 'gi');
/** `-pSECRET` (mysql, sshpass style): a short password flag glued to its value. */
const GLUED_PASSWORD = /(^|\s)(-p)(\S+)/g;
/** `scheme://user:password@host`. */
const URL_PASSWORD = /(\/\/[^\s:/@]+:)[^\s@/]+@/g;
const KEY_ID = /\b(AKIA|ASIA)[A-Z0-9]{12,}/g;
/** 40-character AWS secret access keys (mixed case, so git commit ids survive), wherever they appear. */
const SECRET_KEY = /(^|[^A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g;

/**
 * Command lines can carry credentials: the daemon's tokens verbatim, and anything that
 * follows a secret-looking flag or key. Access key ids keep their first and last four.
 */
export function redactCommand(command: string, secrets: readonly string[]): string {
  let out = command;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out
    .replace(NAMED, '$1$2[redacted]')
    .replace(GLUED_PASSWORD, '$1$2[redacted]')
    .replace(URL_PASSWORD, '$1[redacted]@')
    .replace(SECRET_KEY, (m, lead: string) => (/[A-Z]/.test(m) && /[a-z]/.test(m) ? `${lead}[redacted]` : m))
    .replace(KEY_ID, (m) => `${m.slice(0, 4)}…${m.slice(-4)}`);
}
