import { CreddError } from '../domain/errors.js';
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
  /** The daemon's pid file (bash/zsh check the pid with `kill -0`). */
  pidFile: string;
  /** The control socket (fish has no builtin kill; the socket is gone after `credd stop`). */
  socket: string;
}

/**
 * A prompt hook that prints credd's notice (MFA needed, MFA session ending, daemon down)
 * once per new message. It only tests and reads files with shell builtins: no process, no
 * socket, so it costs microseconds per prompt.
 */
export function promptHook(shell: ShellKind, files: HookFiles): string {
  if (shell === 'fish') return fishHook(files);
  const body = [
    // Keeps $? for prompt commands that run after it (starship, powerline), as direnv does.
    `_credd_notice() {`,
    `  local s=$? f=${shellQuote(files.notice)} p=${shellQuote(files.pidFile)} m= d=`,
    `  if [[ -s $f ]]; then`,
    `    IFS= read -r m < "$f"`,
    `  else`,
    `    [[ -r $p ]] && IFS= read -r d < "$p"`,
    `    if [[ -z $d ]] || ! kill -0 "$d" 2>/dev/null; then m=${shellQuote(DOWN)}; fi`,
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

function fishHook(files: HookFiles): string {
  const f = fishQuote(files.notice);
  return [
    'function _credd_notice --on-event fish_prompt',
    '    set -l m',
    `    if test -s ${f}`,
    `        read m < ${f}`,
    `    else if not test -S ${fishQuote(files.socket)}`,
    `        set m ${fishQuote(DOWN)}`,
    '    end',
    "    if test -z \"$m\"; set -g _credd_seen ''; return; end",
    '    test "$m" = "$_credd_seen"; and return',
    '    set -g _credd_seen $m',
    "    printf 'credd: %s\\n' $m >&2",
    'end',
    '',
  ].join('\n');
}
