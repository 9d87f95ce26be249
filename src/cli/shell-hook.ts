import { CreddError } from '../domain/errors.js';
import type { CreddPaths } from '../platform/paths.js';
import { fishQuote, onPrompt, shellQuote, type ShellKind } from './shell-code.js';

export { shellQuote };

const DOWN = 'credd daemon is not running; start it: credd daemon --detach';

/** `--hook` takes bash, zsh or fish; bash and zsh share code that tests which one runs it. */
export function hookShell(requested: string | true, detected: ShellKind): ShellKind {
  if (requested === true) return detected;
  if (requested === 'bash' || requested === 'zsh') return 'posix';
  if (requested === 'fish') return 'fish';
  throw new CreddError('UnknownShell', `No prompt hook for shell "${requested}"; use --hook bash, --hook zsh or --hook fish.`);
}

export interface HookFiles {
  notice: string;
  /** The daemon's pid file: the daemon counts as down unless it names a live process of ours. */
  pidFile: string;
  /** The control socket (fish without /proc, which has no builtin to test a pid, checks it instead). */
  socket: string;
  /** Said instead of "not running" while credd's port is held by something else (see port-warning.ts). */
  portWarning: string;
}

export function hookFiles(paths: CreddPaths): HookFiles {
  return { notice: paths.notice, pidFile: paths.pidFile, socket: paths.controlSocket, portWarning: paths.portWarning };
}

/**
 * A prompt hook that prints credd's notice (MFA needed, MFA session ending, daemon down, port
 * held by another process) once per new message. It only tests and reads files with shell
 * builtins: no process, no socket, so it costs microseconds per prompt. A file that is not
 * ours (`-O`) or is a symlink (`-L`) is ignored: another user must not put text on our terminal.
 */
export function promptHook(shell: ShellKind, files: HookFiles): string {
  if (shell === 'fish') return fishHook(files);
  const body = [
    // Keeps $? for prompt commands that run after it (starship, powerline), as direnv does.
    `_credd_notice() {`,
    `  local s=$? f=${shellQuote(files.notice)} p=${shellQuote(files.pidFile)} w=${shellQuote(files.portWarning)} m= d=`,
    `  if [[ -s $f && -O $f && ! -L $f ]]; then`,
    `    IFS= read -r m < "$f"`,
    `  else`,
    `    [[ -r $p && -O $p && ! -L $p ]] && IFS= read -r d < "$p"`,
    // kill -0 fails for a pid of another user too (a reused pid is not our daemon).
    `    if [[ -z $d || $d == *[!0-9]* ]] || ! kill -0 "$d" 2>/dev/null; then`,
    `      m=${shellQuote(DOWN)}`,
    `      [[ -s $w && -O $w && ! -L $w ]] && IFS= read -r m < "$w"`,
    `    fi`,
    `  fi`,
    `  if [[ -z $m ]]; then _credd_seen=; return $s; fi`,
    `  [[ $m == "$_credd_seen" ]] && return $s`,
    `  _credd_seen=$m`,
    `  printf 'credd: %s\\n' "$m" >&2`,
    `  return $s`,
    `}`,
  ];
  return [...body, ...onPrompt(shell, '_credd_notice'), ''].join('\n');
}

/**
 * fish has no builtin kill: where /proc exists (Linux) the pid's /proc entry must exist and be
 * ours (as `kill -0` requires in bash and zsh); elsewhere the control socket stands in for it.
 */
function fishHook(files: HookFiles): string {
  const f = fishQuote(files.notice);
  const p = fishQuote(files.pidFile);
  const w = fishQuote(files.portWarning);
  return [
    'function _credd_notice --on-event fish_prompt',
    '    set -l m; set -l d',
    `    if test -s ${f}; and test -O ${f}; and not test -L ${f}`,
    `        read m < ${f}`,
    '    else',
    `        if test -r ${p}; and test -O ${p}; and not test -L ${p}; read d < ${p}; end`,
    '        set -l up 0',
    "        if string match -qr '^[0-9]+$' -- $d",
    '            if test -d /proc/self',
    '                test -O /proc/$d; and set up 1',
    `            else if test -S ${fishQuote(files.socket)}`,
    '                set up 1',
    '            end',
    '        end',
    '        if test $up = 0',
    `            set m ${fishQuote(DOWN)}`,
    `            if test -s ${w}; and test -O ${w}; and not test -L ${w}; read m < ${w}; end`,
    '        end',
    '    end',
    "    if test -z \"$m\"; set -g _credd_seen ''; return; end",
    '    test "$m" = "$_credd_seen"; and return',
    '    set -g _credd_seen $m',
    "    printf 'credd: %s\\n' $m >&2",
    'end',
    '',
  ].join('\n');
}
