// The STS emulator's test-only admin verbs, served under /__admin/ by admin-api.ts when started
// with admin: true. Not counted, no faults, no SigV4. Mirrors the StsEmulator methods
// (test/shared/sts-emulator-client.ts is the typed other end).
import type { AdminVerbs } from './admin-api.js';
import { field, type AdminBody } from './admin-fields.js';
import type { StsEmulator, StsFault } from './sts-emulator.js';

const READ_ONLY: ReadonlySet<string> = new Set(['ping', 'now', 'counts', 'signinTokens']);

function run(emu: StsEmulator, verb: string, body: AdminBody): unknown {
  switch (verb) {
    case 'ping':
      return { ok: true };
    case 'createUser':
      return emu.createUser(field.defined({ userName: field.str(body, 'userName'), accountId: field.optStr(body, 'accountId'), requireMfa: field.optBool(body, 'requireMfa') }));
    case 'createRole':
      return emu.createRole(
        field.defined({
          roleName: field.str(body, 'roleName'),
          accountId: field.optStr(body, 'accountId'),
          trustedPrincipals: field.optStrings(body, 'trustedPrincipals'),
          requireMfa: field.optBool(body, 'requireMfa'),
          externalId: field.optStr(body, 'externalId'),
          maxSessionDurationSeconds: field.optNum(body, 'maxSessionDurationSeconds'),
          webIdentity: webIdentityTrust(body),
        }),
      );
    case 'issueWebIdentityToken':
      return emu.issueWebIdentityToken(field.defined({ subject: field.str(body, 'subject'), audience: field.str(body, 'audience'), ttlSeconds: field.optNum(body, 'ttlSeconds') }));
    case 'addMfaDevice':
      return emu.addMfaDevice(field.str(body, 'userName'));
    case 'totp':
      return { code: emu.totp(field.str(body, 'serial'), field.optNum(body, 'atMs')) };
    case 'deactivateKey':
      emu.deactivateKey(field.str(body, 'accessKeyId'));
      return {};
    case 'accessKeys':
      return { accessKeys: emu.accessKeys(field.str(body, 'userName'), field.optStr(body, 'accountId')) };
    case 'signinTokens':
      // null, not undefined, for "not given"/"not used yet", so the keys survive JSON.
      return { tokens: emu.signinTokens().map((t) => ({ ...t, sessionDuration: t.sessionDuration ?? null, login: t.login ? { ...t.login, issuer: t.login.issuer ?? null } : null })) };
    case 'advance':
      emu.advance(field.num(body, 'ms'));
      return { now: emu.now() };
    case 'now':
      return { now: emu.now() };
    case 'setMaxIssuedDurationSeconds':
      emu.setMaxIssuedDurationSeconds(field.optNum(body, 'seconds'));
      return {};
    case 'setFault': {
      const fault = field.fault<StsFault>(body);
      emu.setFault(fault, field.defined({ times: field.optNum(body, 'times'), actions: field.optStrings(body, 'actions') }));
      return {};
    }
    case 'resetCounts':
      emu.resetCounts();
      return {};
    case 'counts':
      return { counts: emu.counts, calls: emu.calls };
    case 'issuedRoleSessions':
      return { sessions: emu.issuedRoleSessions() };
    default:
      throw new Error(`unknown admin verb: ${verb.slice(0, 64)}`);
  }
}

/** createRole's `webIdentity`: null/absent, or {audience, subject?}. */
function webIdentityTrust(body: AdminBody): { audience: string; subject?: string } | undefined {
  const v = body['webIdentity'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error('"webIdentity" must be null or {audience, subject?}');
  const trust = v as AdminBody;
  return field.defined({ audience: field.str(trust, 'audience'), subject: field.optStr(trust, 'subject') });
}

/** The verbs of this emulator's admin API; admin-api.ts serves them. */
export function stsAdminVerbs(emu: StsEmulator): AdminVerbs {
  return { readOnly: READ_ONLY, run: (verb, body) => run(emu, verb, body) };
}
