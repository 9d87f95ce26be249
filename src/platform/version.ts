import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** credd's version, from the package.json next to dist/ (or src/ under tsx). */
export function creddVersion(): string {
  if (cached !== undefined) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    cached = pkg.version ?? '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
