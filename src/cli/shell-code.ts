import fs from 'node:fs';
import { CreddError } from '../domain/errors.js';

/** `posix` code runs in bash, zsh and sh alike (what it needs of each is tested at runtime). */
export type ShellKind = 'posix' | 'fish';

/** POSIX single-quoting: safe for any value inside `eval`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** fish single quotes: only backslash and quote are special. */
export function fishQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The shell asked for, or the one running `credd env`: its parent process on Linux (cheap to
 * read); elsewhere POSIX code, which bash and zsh both run. $SHELL is the login shell, not
 * the running one, so it is never consulted.
 */
export function shellKind(requested: string | undefined, ppid = process.ppid): ShellKind {
  const name = requested ?? parentName(ppid);
  if (name === 'fish') return 'fish';
  if (requested === undefined || ['bash', 'zsh', 'sh', 'posix'].includes(requested)) return 'posix';
  throw new CreddError('UnknownShell', `No shell code for "${requested}"; use bash, zsh, sh or fish.`);
}

function parentName(ppid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Unset then export lines, in the shell's own syntax. */
export function exportLines(kind: ShellKind, unset: readonly string[], vars: Record<string, string>): string[] {
  if (kind === 'fish') return [...unset.map((k) => `set -e ${k}`), ...Object.entries(vars).map(([k, v]) => `set -gx ${k} ${fishQuote(v)}`)];
  return [...(unset.length > 0 ? [`unset ${unset.join(' ')}`] : []), ...Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`)];
}

/** Registers FN to run before each prompt, once however often the code is evaluated. */
export function onPrompt(kind: ShellKind, fn: string): string[] {
  if (kind === 'fish') return [];
  return [
    'if [ -n "${ZSH_VERSION:-}" ]; then',
    // What add-zsh-hook does, without autoloading it from fpath (a file read per shell start);
    // quoted for eval, since sh (dash) must parse these lines too.
    `  eval 'case " \${precmd_functions[*]-} " in *" ${fn} "*) ;; *) precmd_functions+=(${fn}) ;; esac'`,
    'elif [ -n "${BASH_VERSION:-}" ]; then',
    `  case ";\${PROMPT_COMMAND:-};" in *";${fn};"*) ;; *) PROMPT_COMMAND="${fn}\${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;; esac`,
    'fi',
  ];
}

/**
 * Keeps AWS_REGION and AWS_DEFAULT_REGION at the active profile's region (the file `credd
 * switch` writes), at every prompt, with builtins only. A region the user set by hand (one
 * this code did not set) is left alone, and so is a region file that is not ours or a symlink.
 */
export function regionFollower(kind: ShellKind, regionFile: string): string[] {
  if (kind === 'fish') {
    const f = fishQuote(regionFile);
    return [
      'function _credd_region --on-event fish_prompt',
      '    set -l r',
      `    if test -r ${f}; and test -O ${f}; and not test -L ${f}; read r < ${f}; end`,
      '    if begin; not set -q AWS_REGION; or test "$AWS_REGION" = "$_credd_region_set"; end; and begin; not set -q AWS_DEFAULT_REGION; or test "$AWS_DEFAULT_REGION" = "$_credd_region_set"; end',
      '        if test -n "$r"',
      '            set -gx AWS_REGION $r; set -gx AWS_DEFAULT_REGION $r; set -g _credd_region_set $r',
      '        else if test -n "$_credd_region_set"',
      "            set -e AWS_REGION; set -e AWS_DEFAULT_REGION; set -g _credd_region_set ''",
      '        end',
      '    end',
      'end',
      '_credd_region',
    ];
  }
  const f = shellQuote(regionFile);
  return [
    '_credd_region() {',
    '  _credd_s=$? _credd_r=',
    `  if [ -r ${f} ] && [ -O ${f} ] && [ ! -L ${f} ]; then IFS= read -r _credd_r < ${f} || :; fi`,
    '  if { [ -z "${AWS_REGION:-}" ] || [ "$AWS_REGION" = "${_credd_region_set:-}" ]; } && { [ -z "${AWS_DEFAULT_REGION:-}" ] || [ "$AWS_DEFAULT_REGION" = "${_credd_region_set:-}" ]; }; then',
    '    if [ -n "$_credd_r" ]; then export AWS_REGION="$_credd_r" AWS_DEFAULT_REGION="$_credd_r"; _credd_region_set=$_credd_r',
    '    elif [ -n "${_credd_region_set:-}" ]; then unset AWS_REGION AWS_DEFAULT_REGION; _credd_region_set=; fi',
    '  fi',
    '  return $_credd_s',
    '}',
    '_credd_region',
    ...onPrompt(kind, '_credd_region'),
  ];
}
