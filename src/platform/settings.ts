/** The port credd listens on unless told otherwise: fixed, so shells stay valid across restarts. */
export const DEFAULT_PORT = 9911;

export function parsePort(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 0 || n > 65535) {
    throw new Error(`${what} "${raw}" is not a TCP port (1–65535, or 0 for any free port).`);
  }
  return n;
}

export function portFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return parsePort(env['CREDD_PORT'], 'CREDD_PORT') ?? DEFAULT_PORT;
}

/** How long a credential_process may run, in ms: CREDD_PROCESS_TIMEOUT seconds (1–600), default 60. */
export function processTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['CREDD_PROCESS_TIMEOUT']?.trim();
  if (raw === undefined || raw === '') return 60_000;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 600) throw new Error(`CREDD_PROCESS_TIMEOUT "${raw}" must be a whole number of seconds from 1 to 600.`);
  return n * 1000;
}
