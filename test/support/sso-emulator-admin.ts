// The SSO emulator's test-only admin verbs, served under /__admin/ by admin-api.ts when started
// with admin: true. Not counted, no faults. Mirrors the SsoEmulator methods
// (sso-emulator-client.ts is the typed other end).
import type { AdminVerbs } from './admin-api.js';
import { field, type AdminBody } from './admin-fields.js';
import type { SsoEmulator, SsoFault } from './sso-emulator.js';

const READ_ONLY: ReadonlySet<string> = new Set(['ping', 'now', 'counts', 'pendingUserCodes']);

function run(emu: SsoEmulator, verb: string, body: AdminBody): unknown {
  switch (verb) {
    case 'ping':
      return { ok: true };
    case 'approve':
      emu.approve(field.str(body, 'userCode'), field.defined({ user: field.optStr(body, 'user') }));
      return {};
    case 'deny':
      emu.deny(field.str(body, 'userCode'));
      return {};
    case 'pendingUserCodes':
      return { userCodes: emu.pendingUserCodes() };
    case 'entitle':
      emu.entitle(field.str(body, 'accountId'), field.str(body, 'roleName'), field.defined({ user: field.optStr(body, 'user'), startUrl: field.optStr(body, 'startUrl'), sessionDurationSeconds: field.optNum(body, 'sessionDurationSeconds') }));
      return {};
    case 'setAccessTokenLifetimeSeconds':
      emu.setAccessTokenLifetimeSeconds(field.num(body, 'seconds'));
      return {};
    case 'setSessionLifetimeSeconds':
      emu.setSessionLifetimeSeconds(field.num(body, 'seconds'));
      return {};
    case 'setPollInterval':
      emu.setPollInterval(field.num(body, 'seconds'));
      return {};
    case 'forceSlowDown':
      emu.forceSlowDown(field.num(body, 'times'));
      return {};
    case 'advance':
      emu.advance(field.num(body, 'ms'));
      return { now: emu.now() };
    case 'now':
      return { now: emu.now() };
    case 'counts':
      return { counts: emu.counts, calls: emu.calls };
    case 'resetCounts':
      emu.resetCounts();
      return {};
    case 'revokeAll':
      emu.revokeAll();
      return {};
    case 'setFault': {
      const fault = field.fault<SsoFault>(body);
      emu.setFault(fault, field.defined({ times: field.optNum(body, 'times'), actions: field.optStrings(body, 'actions') }));
      return {};
    }
    default:
      throw new Error(`unknown admin verb: ${verb.slice(0, 64)}`);
  }
}

/** The verbs of this emulator's admin API; admin-api.ts serves them. */
export function ssoAdminVerbs(emu: SsoEmulator): AdminVerbs {
  return { readOnly: READ_ONLY, run: (verb, body) => run(emu, verb, body) };
}
