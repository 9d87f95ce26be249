import fs from 'node:fs';
import path from 'node:path';
import { defaultCreddHome } from '../platform/paths.js';
import { checkPrivateDirSync } from '../platform/private-files.js';

type Enable = (dir: string) => unknown;

/**
 * V8's compile cache (Node ≥ 22.1; a no-op on Node 20) for credd's own modules: a command then
 * skips compiling them. Kept in CREDD_HOME, never in the shared tmp dir Node would pick, since
 * a cache another user could plant there is code; and only once CREDD_HOME exists and is ours
 * alone (the first command that needs it creates it; the CLI reports an unsafe one itself).
 */
export function enableCompileCache(env: NodeJS.ProcessEnv, command: string | undefined): void {
  // Node 20 has none: then node:module (which loads Node's ES-module loader) is not even opened.
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 1)) return;
  const enable = (process.getBuiltinModule('node:module') as unknown as { enableCompileCache?: Enable }).enableCompileCache;
  if (enable === undefined || env['NODE_DISABLE_COMPILE_CACHE'] !== undefined || env['NODE_COMPILE_CACHE'] !== undefined) return;
  // The daemon starts once a session and gains nothing; and Node writes the cache as the process
  // exits, which for the daemon is after `credd stop` has returned: CREDD_HOME would change under
  // whoever acts on it next (a cleanup saw ENOTEMPTY).
  if (command === 'daemon') return;
  try {
    const home = defaultCreddHome(env);
    checkPrivateDirSync(home);
    if (!fs.statSync(home).isDirectory()) return;
    enable(path.join(home, 'compile-cache'));
  } catch {
    // missing or unsafe: run without the cache
  }
}
