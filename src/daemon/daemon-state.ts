import { readIfExists } from '../platform/private-files.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';
import { isProfileName } from '../domain/profile-name.js';

/** What survives a restart besides the token: the active profile. Never a secret. */
export interface PersistedState {
  activeProfile?: string;
}

export async function loadState(file: string): Promise<PersistedState> {
  const raw = await readIfExists(file);
  if (raw === undefined) return {};
  try {
    const v = JSON.parse(raw) as { activeProfile?: unknown };
    // Only a name credd could have written: anything else is a damaged or foreign file.
    return isProfileName(v.activeProfile) ? { activeProfile: v.activeProfile } : {};
  } catch {
    // A corrupt state file costs the user one `credd switch`, never a crash loop.
    return {};
  }
}

export async function saveState(file: string, state: PersistedState): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(state)}\n`);
}
