import type { Logger } from '../platform/logger.js';
import { loadOrCreateToken, rotateToken } from './auth-token.js';

/**
 * The daemon's auth token as it changes over the daemon's life: `current()` for the guards,
 * `rotate()` for `credd token rotate`, and every token ever issued for the audit log to
 * redact (a client's command line may still carry an old one).
 */
export class DaemonToken {
  private readonly issued: string[];

  private constructor(
    private readonly home: string,
    private readonly file: string,
    first: string,
  ) {
    this.issued = [first];
  }

  static async load(opts: { home: string; file: string; logger: Logger }): Promise<DaemonToken> {
    const { token, recreated } = await loadOrCreateToken(opts.home, opts.file);
    if (recreated === 'corrupt') opts.logger.warn('the auth token file was unreadable and has been replaced; shells need: eval "$(credd env)"');
    return new DaemonToken(opts.home, opts.file, token);
  }

  current(): string {
    return this.issued[this.issued.length - 1] ?? '';
  }

  /** Grows as tokens are rotated; readers see the newest list. */
  everIssued(): readonly string[] {
    return this.issued;
  }

  async rotate(): Promise<void> {
    this.issued.push(await rotateToken(this.home, this.file));
  }
}
