import { CreddError } from '../../domain/errors.js';
import { isProfileName, PROFILE_NAME_CHARS } from '../../domain/profile-name.js';

export const PROFILE_ARG = '<profile>';

export function validProfileName(name: string): string {
  if (!isProfileName(name)) {
    throw new CreddError('InvalidProfileName', `"${name}" is not a profile name credd accepts (${PROFILE_NAME_CHARS}).`);
  }
  return name;
}
