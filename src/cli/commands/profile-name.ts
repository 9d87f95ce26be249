import { CreddError } from '../../domain/errors.js';

export const PROFILE_ARG = '<profile>';
const PROFILE_NAME = /^[\w.@+=,:-]{1,128}$/;

export function validProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new CreddError('InvalidProfileName', `"${name}" is not a profile name credd accepts (letters, digits and ._@+=,:- only).`);
  }
  return name;
}
