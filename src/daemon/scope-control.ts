import type { BrokerView, ProfileView } from '../broker/broker-view.js';
import type { CredentialBroker } from '../broker/credential-broker.js';
import { CreddError } from '../domain/errors.js';
import { checkPolicyArns, checkSuffix, packPolicy } from '../domain/scope-limits.js';
import { cleanName, PROGRAM_PLACEHOLDER, scopeLabel, userSlotText, type ScopeRequest } from '../domain/session-scope.js';
import type { ProfileStatus, ScopeLease, ScopeLeaseRequest } from '../protocol/control-api.js';
import { scopedEcsPath } from '../protocol/routes.js';
import { scopedToken } from '../protocol/scoped-token.js';
import type { ScopeControlApi } from '../server/scope-control-routes.js';
import type { LeaseView } from '../server/scoped-ecs-routes.js';
import { SLOT_SEPARATOR, slotName, type ScopeRegistry } from './scope-registry.js';
import type { ScopedProfiles } from './scoped-profiles.js';

export interface ScopeControlDeps {
  registry: ScopeRegistry;
  profiles: ScopedProfiles;
  broker: CredentialBroker;
  token(): string;
  port(): number;
  now(): number;
}

/**
 * Down-scoped exec sessions: the control API that opens and ends leases, the lease lookup the
 * credential endpoint uses, and what `credd status` shows of each scoped slot.
 */
export function scopeControl(deps: ScopeControlDeps): ScopeControlApi & {
  lease(id: string): LeaseView | undefined;
  describe(slot: string): ProfileStatus['scoped'];
  /** The broker's view with scoped slots named as the user knows them (for the shell notice). */
  userView(view: BrokerView): BrokerView;
} {
  // Known once the slot was loaded; before that (a fetch under way, a restart) what the exec asked for.
  const labelOf = (slot: string): string | undefined => {
    const known = deps.profiles.labelOf(slot);
    if (known !== undefined) return known;
    const at = slot.indexOf(SLOT_SEPARATOR);
    const entry = at === -1 ? undefined : deps.registry.scope(slot.slice(at + 1));
    return entry === undefined ? undefined : scopeLabel(entry.request, entry.request.as);
  };
  return {
    async openScope(body: ScopeLeaseRequest): Promise<ScopeLease> {
      const checked = checkedRequest(body);
      const { program, ...rest } = checked;
      // Every local check (config, policy, limits, role or not, the named scope) runs before any STS call.
      const profile = await deps.profiles.named(await deps.profiles.load(body.profile), rest);
      // The program is part of the scope only where the session name shows it: otherwise two
      // different programs with the same policies share one slot.
      const named = profile.kind === 'role' && profile.roleSessionName?.includes(PROGRAM_PLACEHOLDER) === true;
      const request: ScopeRequest = named && program !== undefined ? { ...rest, program } : rest;
      deps.profiles.narrow(profile, request);
      const entry = deps.registry.scopeFor(body.profile, request);
      const lease = deps.registry.open(entry, body.pid, deps.now());
      const slot = slotName(entry);
      try {
        const creds = await deps.broker.prime(slot);
        const label = deps.profiles.labelOf(slot);
        const path = scopedEcsPath(body.profile, lease.id);
        return {
          profile: body.profile,
          lease: lease.id,
          url: `http://127.0.0.1:${deps.port()}${path}`,
          token: scopedToken(deps.token(), { profile: body.profile, lease: { scope: entry.id, id: lease.id } }),
          expiration: creds.expiration.toISOString(),
          ...(label !== undefined && { scope: label }),
          ...(creds.assumedRoleArn !== undefined && { assumedRoleArn: creds.assumedRoleArn }),
        };
      } catch (err) {
        deps.registry.release(lease.id);
        throw inUserTerms(err, slot, body.profile, labelOf(slot));
      }
    },
    releaseScope: async (id) => deps.registry.release(id),
    lease(id) {
      const lease = deps.registry.lease(id);
      if (!lease) return undefined;
      const slot = `${lease.profile}${SLOT_SEPARATOR}${lease.scope}`;
      const label = labelOf(slot);
      return { profile: lease.profile, scope: lease.scope, slot, ...(label !== undefined && { label }) };
    },
    userView(view) {
      return { ...view, profiles: view.profiles.map((p) => userProfileView(p, labelOf(p.name))) };
    },
    describe(slot) {
      const at = slot.indexOf(SLOT_SEPARATOR);
      if (at === -1) return undefined;
      const label = labelOf(slot);
      return { profile: slot.slice(0, at), execs: deps.registry.execsByScope().get(slot.slice(at + 1)) ?? 0, ...(label !== undefined && { scope: label }) };
    },
  };
}

/** The CLI checked these already; the daemon does not trust it to have. */
function checkedRequest(body: ScopeLeaseRequest): ScopeRequest {
  return {
    ...(body.policyArns !== undefined && body.policyArns.length > 0 && { policyArns: checkPolicyArns(body.policyArns, '--policy-arn') }),
    ...(body.policy !== undefined && { policy: packPolicy(body.policy, '--policy') }),
    ...(body.sessionNameSuffix !== undefined && { sessionNameSuffix: checkSuffix(body.sessionNameSuffix, '--session-name-suffix') }),
    ...(body.program !== undefined && { program: cleanName(body.program) }),
    ...(body.as !== undefined && { as: body.as }),
  };
}

/** An error about a scoped slot, reworded so it names the profile and scope, not the slot key. */
function inUserTerms(err: unknown, slot: string, profile: string, label: string | undefined): unknown {
  if (!(err instanceof CreddError)) return err;
  const message = userSlotText(err.message, slot, profile, label);
  if (message === err.message) return err;
  return new CreddError(err.code, message, { cause: err, ...(err.details !== undefined && { details: { ...err.details } }) });
}

/** The notice tells what to run: for a scoped slot, that is about its profile (`credd switch dev`). */
function userProfileView(p: ProfileView, label: string | undefined): ProfileView {
  const at = p.name.indexOf(SLOT_SEPARATOR);
  if (at === -1) return p;
  const profile = p.name.slice(0, at);
  return { ...p, name: profile, ...(p.lastError && { lastError: { ...p.lastError, message: userSlotText(p.lastError.message, p.name, profile, label) } }) };
}
