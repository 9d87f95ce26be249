import type { ConfigSnapshot } from '../config/config-snapshot.js';
import { profileKind } from '../config/profile-kind.js';
import { ActionRequiredError } from '../domain/errors.js';
import type { CredentialProvider, ServeResult } from '../domain/ports.js';

/** The profile key that lets a plain IAM user's session be served over HTTP. */
export const SERVE_SESSION_KEY = 'credd_serve_session';

/**
 * A role is the unit credd hands to programs. A plain IAM user's profile is served as its
 * GetSessionToken session (with MFA, the key to every role of that user for up to 12 h), so
 * the HTTP endpoints refuse it unless the profile says `credd_serve_session = true`.
 * It reads the daemon's config snapshot (a profile missing from it makes the snapshot look at
 * the files at once) and remembers its verdicts until the snapshot changes.
 */
export class SessionGate implements CredentialProvider {
  private verdicts = new Map<string, boolean>();
  private verdictsOf = -1;

  constructor(
    private readonly inner: CredentialProvider,
    private readonly snapshot: ConfigSnapshot,
  ) {}

  get active(): string | undefined {
    return this.inner.active;
  }

  describe(profile: string): { region?: string; accountId?: string } {
    return this.inner.describe(profile);
  }

  serve(profile?: string): Promise<ServeResult> {
    const name = profile ?? this.inner.active;
    if (name === undefined) return this.inner.serve(profile);
    const pending = this.snapshot.refresh();
    if (pending) return pending.then(() => this.gate(name, profile));
    return this.gate(name, profile);
  }

  private gate(name: string, profile: string | undefined): Promise<ServeResult> {
    const served = this.served(name);
    if (served === true) return this.inner.serve(profile);
    if (served === false) return Promise.resolve(refused(name));
    return served.then((ok) => (ok ? this.inner.serve(profile) : refused(name)));
  }

  private served(name: string): boolean | Promise<boolean> {
    if (this.verdictsOf !== this.snapshot.generation) {
      this.verdicts = new Map();
      this.verdictsOf = this.snapshot.generation;
    }
    const known = this.verdicts.get(name);
    if (known !== undefined) return known;
    // An unreadable config: let the broker report it, in its own words.
    if (this.snapshot.error !== undefined) return true;
    // A profile added to the file a moment ago is not in the snapshot yet.
    if (!this.snapshot.config().profiles.has(name)) return (this.snapshot.refresh(true) ?? Promise.resolve()).then(() => this.verdict(name));
    return this.verdict(name);
  }

  private verdict(name: string): boolean {
    if (this.snapshot.error !== undefined) return true;
    const s = this.snapshot.config().profiles.get(name) ?? {};
    // Only an IAM user whose long-term key credd keeps is gated; every other kind (roles, SSO,
    // web identity, credential_process, aws login) is served as what it is.
    const kind = profileKind(s);
    const ok = (kind !== 'key' && kind !== 'plaintext-key') || s[SERVE_SESSION_KEY]?.trim().toLowerCase() === 'true';
    // Missing profiles are not remembered: each request for one looks at the files again.
    if (this.snapshot.config().profiles.has(name)) {
      if (this.verdicts.size > 1024) this.verdicts.clear();
      this.verdicts.set(name, ok);
    }
    return ok;
  }
}

function refused(name: string): ServeResult {
  return {
    ok: false,
    error: new ActionRequiredError(
      'SessionNotServed',
      `Profile "${name}" is an IAM user, not a role, and credd does not hand its session to programs; use a role profile, or set ${SERVE_SESSION_KEY} = true in [profile ${name}].`,
    ),
  };
}
