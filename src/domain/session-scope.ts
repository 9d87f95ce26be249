/**
 * What narrows and labels a role session: session policies (the role's permissions
 * intersected with these) and the attribution CloudTrail shows (source identity, tags,
 * the role session name). All optional; an empty scope is the whole role.
 */
export interface SessionTag {
  key: string;
  value: string;
}

export interface SessionScope {
  /** Managed session policies, by ARN (AWS allows 10). */
  policyArns?: string[];
  /** Inline session policy, packed (whitespace removed) JSON. */
  policy?: string;
  /** Where the inline policy came from, for messages and `credd list`. */
  policyFile?: string;
  sourceIdentity?: string;
  tags?: SessionTag[];
  transitiveTagKeys?: string[];
}

/** What `credd exec` adds to a profile: its own policies and a label for the session name. */
export interface ScopeRequest {
  policyArns?: string[];
  policy?: string;
  policyFile?: string;
  /** Appended to the role session name, e.g. "@terraform". */
  sessionNameSuffix?: string;
  /** The program `credd exec` runs, for a `{program}` placeholder in role_session_name. */
  program?: string;
  /** `credd exec P --as NAME`: the profile whose scope keys narrow and label P's role. */
  as?: string;
}

export const PROGRAM_PLACEHOLDER = '{program}';
/** What `{program}` becomes where no single program is known (the global endpoint, `credd switch`). */
export const NO_PROGRAM = 'credd';

export function hasPolicy(scope: SessionScope | ScopeRequest | undefined): boolean {
  return scope !== undefined && ((scope.policyArns?.length ?? 0) > 0 || scope.policy !== undefined);
}

export function isEmptyRequest(r: ScopeRequest): boolean {
  return !hasPolicy(r) && r.sessionNameSuffix === undefined && r.as === undefined;
}

/**
 * How a scope appears in the audit and in `credd status`: policy ARNs, "inline policy", or
 * undefined for none; a named scope (`--as agent`) leads with its name: `agent (arn:…)`.
 */
export function scopeLabel(scope: SessionScope | undefined, name?: string): string | undefined {
  const parts = [...(scope?.policyArns ?? [])];
  if (scope?.policy !== undefined) parts.push('inline policy');
  const policies = parts.length === 0 ? undefined : parts.join(',');
  if (name === undefined) return policies;
  return policies === undefined ? name : `${name} (${policies})`;
}

/**
 * The role session name: role_session_name (or credd's default) with `{program}` filled in,
 * then the suffix; cut to the 64 characters AWS allows, keeping the suffix when it fits.
 */
export function sessionNameFor(base: string, program: string | undefined, suffix: string | undefined): string {
  const tool = cleanName(program ?? NO_PROGRAM) || NO_PROGRAM;
  const tail = suffix ?? '';
  const room = Math.max(2, 64 - tail.length);
  const filled = base.split(PROGRAM_PLACEHOLDER).join(tool);
  return (filled.slice(0, room) + tail).slice(0, 64);
}

/** A program path reduced to a name STS accepts in a session name. */
export function cleanName(program: string): string {
  const baseName = program.split('/').pop() ?? program;
  return baseName.replace(/[^\w+=,.@-]/g, '_').slice(0, 32);
}

/**
 * A message about a down-scoped slot in user terms: its internal key (`dev#<id>`) becomes the
 * profile and the scope, as `credd status` shows them (`"dev" [scope: arn:…]`).
 */
export function userSlotText(text: string, slot: string, profile: string, label: string | undefined): string {
  const scope = `[scope: ${label ?? 'session name only'}]`;
  return text.split(`"${slot}"`).join(`"${profile}" ${scope}`).split(slot).join(`${profile} ${scope}`);
}
