export interface CheckResult {
  status: 'ok' | 'warn' | 'fail';
  what: string;
  /** One command or step that fixes it. */
  fix?: string;
}

export const ok = (what: string): CheckResult => ({ status: 'ok', what });
export const warn = (what: string, fix: string): CheckResult => ({ status: 'warn', what, fix });
export const fail = (what: string, fix: string): CheckResult => ({ status: 'fail', what, fix });
