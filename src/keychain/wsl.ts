import os from 'node:os';

/**
 * True inside WSL. WSL sets WSL_DISTRO_NAME (and WSL_INTEROP) for every process it starts, and
 * its kernels carry "microsoft" in their release (e.g. 5.15.153.1-microsoft-standard-WSL2,
 * github.com/microsoft/WSL2-Linux-Kernel); either is enough.
 */
export function isWsl(env: NodeJS.ProcessEnv = process.env, release: string = os.release(), platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  return (env['WSL_DISTRO_NAME'] ?? '') !== '' || (env['WSL_INTEROP'] ?? '') !== '' || /microsoft/i.test(release);
}

/** What to do on WSL, where a Secret Service is usually missing. */
export const WSL_ADVICE =
  'WSL usually has no Secret Service: set CREDD_STORE=file (in the service too) and run credd unlock after the daemon starts.';
