import type { Profile } from '../domain/profile.js';
import type { Logger } from '../platform/logger.js';
import type { ProfileSlot } from './profile-slot.js';

export interface DefinitionDeps {
  loadProfile(name: string): Promise<Profile>;
  configGeneration?(fresh?: boolean): number | Promise<number>;
  logger: Logger;
}

/**
 * Cached credentials belong to the definition of the profile they were obtained for. A broken
 * config fails the request, and credentials obtained for an older definition (role, source,
 * MFA, policy) are never served for the new one. With a config generation the profile is
 * compared only when the generation moved, so a cached request reads nothing.
 */
export class DefinitionCheck {
  constructor(private readonly deps: DefinitionDeps) {}

  /**
   * False when the slot's definition is known to be current (no await on the request path);
   * else the promise of a comparison: true when the definition changed.
   */
  changed(slot: ProfileSlot): false | Promise<boolean> {
    if (slot.definition === undefined) return false;
    const generation = this.deps.configGeneration?.();
    if (typeof generation === 'number' && generation === slot.generation) return false;
    return this.compare(slot, generation);
  }

  /** Remembers what the slot's credentials are being obtained for; call before loading the profile. */
  generation(): number | Promise<number> | undefined {
    return this.deps.configGeneration?.();
  }

  record(slot: ProfileSlot, profile: Profile, generation: number | undefined): void {
    slot.definition = JSON.stringify(profile);
    if (generation === undefined) delete slot.generation;
    else slot.generation = generation;
  }

  private async compare(slot: ProfileSlot, pending: number | Promise<number> | undefined): Promise<boolean> {
    const generation = await pending;
    const current = JSON.stringify(await this.deps.loadProfile(slot.name));
    if (current !== slot.definition) {
      this.deps.logger.info({ profile: slot.name }, 'profile changed in the config; its cached credentials are dropped');
      return true;
    }
    // Only a successful comparison settles a generation: a broken config keeps failing requests.
    if (generation !== undefined) slot.generation = generation;
    return false;
  }
}
