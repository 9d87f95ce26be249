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
