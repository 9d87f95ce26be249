/**
 * The profile names credd accepts anywhere (URL path, control API, state file, CLI): what
 * AWS allows in a role session name, so a name is always safe in a URL and a file.
 */
export const PROFILE_NAME_CHARS = 'letters, digits and ._@+=,:- only';

const PROFILE_NAME = /^[\w.@+=,:-]{1,128}$/;

export function isProfileName(name: unknown): name is string {
  return typeof name === 'string' && PROFILE_NAME.test(name);
}
