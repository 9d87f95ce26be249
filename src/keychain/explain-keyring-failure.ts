import { WSL_ADVICE } from './wsl.js';

export type KeyringOperation = 'read' | 'save' | 'delete' | 'list';

export interface KeyringFailure {
  platform: NodeJS.Platform;
  /** The store's description, e.g. "macOS Keychain". */
  description: string;
  service: string;
  operation: KeyringOperation;
  /** Absent for `list`. */
  item?: string;
  /** The message @napi-rs/keyring raised (Display of the Rust error). */
  raw: string;
  /** Running inside WSL, where the missing Secret Service has its own advice. */
  wsl?: boolean;
}

const noSecretService =
  'No Secret Service is reachable (is gnome-keyring or KWallet running and unlocked in this session?). ' +
  'On a headless machine set CREDD_STORE=file to keep keys in an encrypted file instead.';

// Patterns are matched against the Rust error text the addon surfaces; the comments name the
// situation each one was observed in (Linux) or documented for (macOS/Windows), so a change in
// the addon's wording shows up as the generic fallback rather than a wrong explanation.
/*
 * gnome-keyring-daemon aborted while answering: a glib assertion ("gkd_secret_service_get_pkcs11_session:
 * assertion 'client' failed", then `trap int3`) that a burst of connect-ask-disconnect clients
 * can trigger (seen here with gnome-keyring 42.1; reported upstream for 42 to 50, GNOME
 * gnome-keyring #190/#196/#199). The bus then answers the call in flight with this error, and
 * the next call starts a fresh daemon (D-Bus activation or its systemd unit).
 */
const SERVICE_VANISHED = /disconnected from message bus without replying/i;

/** True when the Secret Service went away in the middle of this call (worth one more try). */
export function serviceVanished(platform: NodeJS.Platform, raw: string): boolean {
  return platform === 'linux' && SERVICE_VANISHED.test(raw);
}

const linuxRules: Array<[RegExp, (f: KeyringFailure) => string]> = [
  [
    SERVICE_VANISHED,
    (f) =>
      `The Secret Service stopped while credd was trying to ${verb(f.operation)} ${quoteItem(f)}, twice (gnome-keyring-daemon can crash this way). ` +
      'Run the command again; a restarted gnome-keyring may ask you to unlock your login keyring first.',
  ],
  // No bus at all, a stale socket, or a bus without any org.freedesktop.secrets provider.
  [
    /Failed to connect|autolaunch|Connection refused|ServiceUnknown|not provided by any \.service|Spawn\.|No such file or directory/i,
    (f) => (f.wsl === true ? `No Secret Service is reachable. ${WSL_ADVICE}` : noSecretService),
  ],
  // gnome-keyring wanted to show an unlock prompt and could not (no display) or it was dismissed.
  [
    /unlock prompt|IsLocked|is locked|locked object/i,
    () =>
      'The Secret Service keyring is locked and could not be unlocked (the unlock prompt was dismissed or cannot be shown here). ' +
      'Unlock your login keyring (log in to the desktop, or run `gnome-keyring-daemon --unlock` in this session) and try again, ' +
      'or set CREDD_STORE=file to use an encrypted file instead.',
  ],
  // A Secret Service without a default ("login") collection has nowhere to create items.
  [
    /no result found|NoSuchObject|default collection/i,
    () =>
      'The Secret Service has no default keyring to store items in. Create a login keyring ' +
      '(e.g. with Seahorse, or by starting gnome-keyring-daemon with --unlock and a password) and try again, ' +
      'or set CREDD_STORE=file to use an encrypted file instead.',
  ],
  // libdbus gives up after its own reply timeout when the daemon is stuck.
  [
    /Did not receive a reply|NoReply|timed? ?out/i,
    () => 'The Secret Service did not answer (gnome-keyring or KWallet may be hung). Restart it and try again.',
  ],
];

const darwinRules: Array<[RegExp, (f: KeyringFailure) => string]> = [
  // errSecInteractionNotAllowed (-25308): locked keychain and no GUI session to ask in (e.g. over SSH).
  [
    /interaction is not allowed|-25308/i,
    () =>
      'The macOS Keychain is locked and cannot ask for your password in this session (e.g. over SSH). ' +
      'Run `security unlock-keychain` and try again.',
  ],
  // errSecUserCanceled (-128) / errSecAuthFailed (-25293): the user said no to the dialog.
  [
    /cancel|-128|-25293|auth(entication)? fail/i,
    () =>
      'Access to the macOS Keychain was denied (the dialog was cancelled or the password was wrong). ' +
      'Try again and choose "Allow" or "Always Allow" for credd.',
  ],
];

const commonRules: Array<[RegExp, (f: KeyringFailure) => string]> = [
  [
    /ambiguous|matched by \d+ credentials/i,
    (f) =>
      `More than one ${f.description} entry matches ${quoteItem(f)} of service "${f.service}"; ` +
      'remove the duplicates and try again.',
  ],
  // Windows Credential Manager caps the secret at 2560 bytes; other stores cap attribute lengths.
  [/longer than platform limit|too long|TooLong/i, (f) => `The value for ${quoteItem(f)} is too long for the ${f.description}.`],
];

/*
 * Failures that only a person can end: the keychain is locked, or its owner said no. Codes from
 * Apple's "Security Framework Result Codes" (developer.apple.com/documentation/security/
 * security-framework-result-codes): errSecUserCanceled -128, errSecAuthFailed -25293 ("The user
 * name or passphrase you entered is not correct."), errSecInteractionNotAllowed -25308 ("User
 * interaction is not allowed.", a locked keychain with no GUI session to ask in). The keyring
 * crate under @napi-rs/keyring reports these as "Couldn't access platform secure storage".
 * Retrying them on a timer would put one dialog after another in front of the user.
 */
const blockedRules: Partial<Record<NodeJS.Platform, RegExp>> = {
  darwin: /interaction is not allowed|-25308|cancel|-128|-25293|auth(entication)? fail|passphrase you entered is not correct|platform secure storage/i,
  linux: /unlock prompt|IsLocked|is locked|locked object|dismissed/i,
};

/** True when the failure means "locked or access denied": wait for the user, do not retry. */
export function isAccessBlocked(platform: NodeJS.Platform, raw: string): boolean {
  return blockedRules[platform]?.test(raw) ?? false;
}

/** Turns a raw @napi-rs/keyring failure into one sentence that says what to do next. */
export function explainKeyringFailure(failure: KeyringFailure): string {
  const platformRules = failure.platform === 'darwin' ? darwinRules : failure.platform === 'win32' ? [] : linuxRules;
  for (const [pattern, explain] of [...platformRules, ...commonRules]) {
    if (pattern.test(failure.raw)) return explain(failure);
  }
  return `The ${failure.description} could not ${verb(failure.operation)} ${quoteItem(failure)} (${tidy(failure.raw)}).`;
}

/** The message for an operation that outlived the store's timeout. */
export function explainKeyringTimeout(failure: Omit<KeyringFailure, 'raw'>, timeoutMs: number): string {
  const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 100) / 10} s`;
  return (
    `The ${failure.description} did not answer within ${limit} while trying to ${verb(failure.operation)} ${quoteItem(failure)} ` +
    '(is an unlock or permission dialog waiting?). Answer the dialog or unlock the keyring, then try again.'
  );
}

function verb(op: KeyringOperation): string {
  return op === 'read' ? 'read' : op === 'save' ? 'save' : op === 'delete' ? 'delete' : 'list the items in';
}

function quoteItem(f: Pick<KeyringFailure, 'item' | 'service'>): string {
  return f.item === undefined ? `service "${f.service}"` : `"${f.item}"`;
}

// The addon nests causes as "Platform failure: DBus error: ..."; keep the message one line and short.
function tidy(raw: string): string {
  const line = raw.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
