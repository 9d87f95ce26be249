import fs from 'node:fs/promises';
import type { CredentialBroker } from '../broker/credential-broker.js';
import type { StoreState } from '../keychain/guarded-store.js';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../platform/logger.js';
import { writePrivateFileAtomic } from '../platform/private-files.js';
import { terminalText } from '../platform/terminal-text.js';

/** Warn this long before the MFA session behind the active profile ends. */
export const SESSION_WARNING_MS = 15 * 60_000;
const RECENT_MS = 60 * 60_000;

function hhmm(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * The one line a shell hook prints at the prompt, or undefined when all is well. JS SDKs
 * throw our 4xx message away, so this is how a user learns that credd waits for a code.
 */
export function noticeFor(broker: CredentialBroker, now: number, store?: StoreState): string | undefined {
  if (store?.state === 'blocked') return store.code === 'KeychainLocked' ? 'keychain locked or access denied; run: credd unlock' : 'locked: run credd unlock';
  const recent = new Set(broker.snapshot().filter((s) => s.name === broker.active || now - s.lastRequestedAt < RECENT_MS).map((s) => s.name));
  for (const need of broker.mfa.needs.values()) {
    if (recent.has(need.forProfile)) return `MFA code needed for ${need.forProfile} since ${hhmm(need.since)}; run: credd switch ${need.forProfile}`;
  }
  for (const slot of broker.snapshot()) {
    if (recent.has(slot.name) && slot.lastError?.code === 'SsoLoginRequired') return `IAM Identity Center sign-in needed for ${slot.name}; run: credd login ${slot.name}`;
    if (recent.has(slot.name) && slot.lastError?.code === 'LoginRequired') return `aws login needed for ${slot.name}; run: aws login --profile ${slot.name}`;
  }
  const active = broker.snapshot().find((s) => s.name === broker.active);
  const session = broker.mfa.known().find((s) => s.profile === active?.userName);
  if (active && session) {
    const left = session.expiration.getTime() - now;
    if (left > 0 && left < SESSION_WARNING_MS) return `MFA session of ${session.profile} ends at ${hhmm(session.expiration.getTime())}; renew now with: credd mfa ${active.name}`;
  }
  return undefined;
}

/** Keeps `$CREDD_HOME/notice` current; the shell hook only has to read a file (no process, no socket). */
export class NoticeWriter {
  private last: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly compute: () => string | undefined,
    private readonly logger: Logger,
  ) {}

  start(intervalMs = 15_000): void {
    this.timer = setInterval(() => void this.update(), intervalMs);
    this.timer.unref();
    void this.update();
  }

  async update(): Promise<void> {
    const next = this.compute();
    if (next === this.last) return;
    this.last = next;
    try {
      if (next === undefined) await fs.rm(this.file, { force: true });
      else {
        // The hook prints this line to the terminal: no control character may reach it.
        await writePrivateFileAtomic(this.file, `${terminalText(next)}\n`);
        this.logger.warn({ notice: next }, 'notice for the user');
      }
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'could not write the notice file');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await fs.rm(this.file, { force: true }).catch(() => undefined);
  }
}
