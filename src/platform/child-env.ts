/**
 * credd's own secrets and internal plumbing: never passed to a program credd starts (an
 * `exec` child, mfa_process, a browser, the keyring helper), whose environment any process of
 * the user can read and whose core dumps keep it.
 */
const PRIVATE = ['CREDD_FILE_PASSPHRASE', 'CREDD_KEYRING_CHILD'];

export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of PRIVATE) delete out[k];
  return out;
}

/** Removes the file-store passphrase from `env` once read, so later children cannot inherit it. */
export function scrubSecrets(env: NodeJS.ProcessEnv): void {
  delete env['CREDD_FILE_PASSPHRASE'];
}
