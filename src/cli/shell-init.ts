import type { CreddPaths } from '../platform/paths.js';
import { ROUTES } from '../protocol/routes.js';
import { activeRegionFile } from '../config/profile-region.js';
import { fishQuote, onPrompt, regionFollower, shellQuote, type ShellKind } from './shell-code.js';
import { hookFiles, promptHook } from './shell-hook.js';

/** The daemon's token as credd writes it (see daemon/auth-token.ts), as a shell pattern test. */
const TOKEN_MIN = 43;
const TOKEN_MAX = 128;

/**
 * The rc-file snippet of `credd init bash|zsh|fish`: the endpoint variables from the token and
 * port files, re-read at each prompt (a restart on another port or `credd token rotate` reaches
 * every open shell), the region following `credd switch`, and the notice hook. Builtins only:
 * no process is started, per shell or per prompt. Files that are not ours or are symlinks are
 * ignored (the shells' `-O` and `-L` tests; no builtin sees modes, so the group/other-write
 * check stays with the CLI and daemon, which refuse such a CREDD_HOME on every run).
 */
export function initSnippet(shell: 'bash' | 'zsh' | 'fish', paths: CreddPaths, defaultPort: number): string {
  const kind: ShellKind = shell === 'fish' ? 'fish' : 'posix';
  const header = [`# credd shell integration (credd init ${shell}): reads ${paths.home} with shell builtins only.`];
  const body = shell === 'fish' ? fishEnv(paths, defaultPort) : posixEnv(paths, defaultPort, shell);
  return [...header, ...body, ...regionFollower(kind, activeRegionFile(paths.home)), promptHook(kind, hookFiles(paths))].join('\n');
}

/**
 * bash and zsh (`[[ ]]`, `local`, `-O` are common to both). zsh's `read` takes one read(2) per
 * byte, while its `$(<file)` reads the file without forking (strace shows no clone); in bash
 * `$(<file)` forks, and `read` is the cheap one.
 */
function posixEnv(paths: CreddPaths, defaultPort: number, shell: 'bash' | 'zsh'): string[] {
  const readInto = (v: string): string => (shell === 'zsh' ? `${v}=$(<"$f")` : `{ IFS= read -r ${v} < "$f" || :; }`);
  return [
    '_credd_env() {',
    `  local s=$? f=${shellQuote(paths.token)} t= p= u`,
    `  [[ -r $f && -O $f && ! -L $f ]] && ${readInto('t')}`,
    `  [[ \${#t} -ge ${TOKEN_MIN} && \${#t} -le ${TOKEN_MAX} && $t != *[!A-Za-z0-9_-]* ]] || return $s`,
    `  f=${shellQuote(paths.portFile)}`,
    `  [[ -r $f && -O $f && ! -L $f ]] && ${readInto('p')}`,
    `  [[ -n $p && \${#p} -le 5 && $p != *[!0-9]* ]] || p=${defaultPort}`,
    `  u=http://127.0.0.1:$p${ROUTES.ecs}`,
    // A shell pinned by hand since (eval "$(credd env P)") keeps what it was given.
    '  if [[ -n ${_credd_u+x} ]] && [[ ${AWS_CONTAINER_CREDENTIALS_FULL_URI-} != "$_credd_u" || ${AWS_CONTAINER_AUTHORIZATION_TOKEN-} != "$_credd_t" ]]; then return $s; fi',
    '  export AWS_CONTAINER_CREDENTIALS_FULL_URI=$u AWS_CONTAINER_AUTHORIZATION_TOKEN=$t',
    '  _credd_u=$u _credd_t=$t',
    '  return $s',
    '}',
    // Variables that would take precedence over ours in some SDKs' container provider.
    'unset _credd_u _credd_t AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    '_credd_env',
    ...onPrompt('posix', '_credd_env'),
  ];
}

function fishEnv(paths: CreddPaths, defaultPort: number): string[] {
  const t = fishQuote(paths.token);
  const p = fishQuote(paths.portFile);
  return [
    'function _credd_env --on-event fish_prompt',
    '    set -l t; set -l p',
    `    if test -r ${t}; and test -O ${t}; and not test -L ${t}; read t < ${t}; end`,
    `    string match -qr '^[A-Za-z0-9_-]{${TOKEN_MIN},${TOKEN_MAX}}$' -- $t; or return`,
    `    if test -r ${p}; and test -O ${p}; and not test -L ${p}; read p < ${p}; end`,
    `    string match -qr '^[0-9]{1,5}$' -- $p; or set p ${defaultPort}`,
    `    set -l u http://127.0.0.1:$p${ROUTES.ecs}`,
    '    if set -q _credd_u; and begin; test "$AWS_CONTAINER_CREDENTIALS_FULL_URI" != "$_credd_u"; or test "$AWS_CONTAINER_AUTHORIZATION_TOKEN" != "$_credd_t"; end',
    '        return',
    '    end',
    '    set -gx AWS_CONTAINER_CREDENTIALS_FULL_URI $u',
    '    set -gx AWS_CONTAINER_AUTHORIZATION_TOKEN $t',
    '    set -g _credd_u $u; set -g _credd_t $t',
    'end',
    'set -e _credd_u _credd_t AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    '_credd_env',
  ];
}
