import fs from 'node:fs/promises';
import { loadAwsConfig, type Section } from '../config/aws-config.js';
import { profileKind } from '../config/profile-kind.js';
import { ActionRequiredError } from '../domain/errors.js';
import type { CredentialProvider, ServeResult } from '../domain/ports.js';

/** The profile key that lets a plain IAM user's session be served over HTTP. */
export const SERVE_SESSION_KEY = 'credd_serve_session';
const RECHECK_MS = 1_000;

/**
 * A role is the unit credd hands to programs. A plain IAM user's profile is served as its
 * GetSessionToken session (with MFA, the key to every role of that user for up to 12 h), so
 * the HTTP endpoints refuse it unless the profile says `credd_serve_session = true`.
 * The config is re-read at most once a second, and only when the file changed.
 */
export class SessionGate implements CredentialProvider {
  private profiles: ReadonlyMap<string, Section> | undefined;
  private stamp = '';
  private checkedAt = 0;

  constructor(
    private readonly inner: CredentialProvider,
    private readonly configFile: string,
  ) {}

  get active(): string | undefined {
    return this.inner.active;
  }

  describe(profile: string): { region?: string; accountId?: string } {
    return this.inner.describe(profile);
  }

  async serve(profile?: string): Promise<ServeResult> {
    const name = profile ?? this.inner.active;
    if (name !== undefined && !(await this.served(name))) {
      return {
        ok: false,
        error: new ActionRequiredError(
          'SessionNotServed',
          `Profile "${name}" is an IAM user, not a role, and credd does not hand its session to programs; use a role profile, or set ${SERVE_SESSION_KEY} = true in [profile ${name}].`,
        ),
      };
    }
    return this.inner.serve(profile);
  }

  private async served(name: string): Promise<boolean> {
    let profiles = await this.load();
    // A profile added to the file within the last second is not in the cached copy yet.
    if (profiles !== undefined && !profiles.has(name)) profiles = await this.load(true);
    // An unreadable config: let the broker report it, in its own words.
    if (profiles === undefined) return true;
    const s = profiles.get(name) ?? {};
    // Only an IAM user whose long-term key credd keeps is gated; every other kind (roles, SSO,
    // web identity, credential_process, aws login) is served as what it is.
    const kind = profileKind(s);
    return (kind !== 'key' && kind !== 'plaintext-key') || s[SERVE_SESSION_KEY]?.trim().toLowerCase() === 'true';
  }

  private async load(force = false): Promise<ReadonlyMap<string, Section> | undefined> {
    const now = Date.now();
    if (!force && this.profiles !== undefined && now - this.checkedAt < RECHECK_MS) return this.profiles;
    this.checkedAt = now;
    try {
      const st = await fs.stat(this.configFile);
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (this.profiles === undefined || stamp !== this.stamp) {
        this.profiles = (await loadAwsConfig(this.configFile)).profiles;
        this.stamp = stamp;
      }
    } catch (err) {
      // No config file: every profile is one `credd add` made, i.e. an IAM user.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.profiles = new Map();
      else return undefined;
    }
    return this.profiles;
  }
}
