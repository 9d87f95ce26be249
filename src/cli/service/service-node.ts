import { realpathSync } from 'node:fs';

/** The node binary a service file should name, and what the user must know about it. */
export interface ServiceNode {
  path: string;
  /** Printed at install time when the path will not survive a node upgrade or switch. */
  note?: string;
}

export type Realpath = (p: string) => string | undefined;

export const realpathOrUndefined: Realpath = (p) => {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
};

/*
 * Homebrew installs each version in its own keg, <prefix>/Cellar/<formula>/<version>, and
 * keeps <prefix>/opt/<formula> as a symlink to the current keg, so that dependents survive
 * `brew upgrade` ("opt prefix": https://docs.brew.sh/Formula-Cookbook, and `brew --prefix
 * <formula>` which prints that opt path). Node's process.execPath is the resolved Cellar
 * path (the old keg is removed by `brew cleanup`), so name the opt link instead — only when
 * it points at the very node that runs now, else the service would run a different node.
 */
const HOMEBREW = /^(.+)\/Cellar\/(node(?:@[0-9.]+)?)\/[^/]+\/bin\/node$/;

/* Version managers keep one directory per version and no stable link a service could use. */
const MANAGERS: Array<[string, RegExp]> = [
  ['nvm', /\/versions\/node\/v[^/]+\/bin\/node$/],
  ['fnm', /\/fnm(?:_multishells)?\/.+\/bin\/node$|\/node-versions\/v[^/]+\/installation\/bin\/node$/],
  ['volta', /\/\.volta\/tools\/image\/node\/[^/]+\/bin\/node$/],
  ['asdf', /\/\.asdf\/installs\/nodejs\/[^/]+\/bin\/node$/],
  ['mise', /\/mise\/installs\/node\/[^/]+\/bin\/node$/],
];

export function serviceNode(execPath: string, realpath: Realpath = realpathOrUndefined): ServiceNode {
  const brew = HOMEBREW.exec(execPath);
  if (brew) {
    const opt = `${brew[1] ?? ''}/opt/${brew[2] ?? 'node'}/bin/node`;
    const here = realpath(execPath);
    if (here !== undefined && realpath(opt) === here) return { path: opt };
    return { path: execPath, note: `node runs from Homebrew's versioned folder (${execPath}) and ${opt} does not lead to it; after brew upgrade node, re-run: credd service install` };
  }
  for (const [manager, pattern] of MANAGERS) {
    if (pattern.test(execPath)) {
      return { path: execPath, note: `node comes from ${manager} (${execPath}); the service keeps running this version, so after switching or removing it, re-run: credd service install` };
    }
  }
  return { path: execPath };
}
