import { CreddError } from '../domain/errors.js';

export type HookShell = 'bash' | 'zsh';

/** POSIX single-quoting: safe for any value inside `eval`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function hookShell(requested: string | true, env: NodeJS.ProcessEnv): HookShell {
  const name = requested === true ? (env['SHELL'] ?? '').split('/').pop() ?? '' : requested;
  if (name === 'bash' || name === 'zsh') return name;
  throw new CreddError('UnknownShell', `No prompt hook for shell "${name || 'unknown'}"; use --hook bash or --hook zsh.`);
}

/**
 * A prompt hook that prints credd's notice (MFA needed, MFA session ending) once per new
 * message. It only tests and reads a file with shell builtins: no process, no socket, so
 * it costs microseconds per prompt.
 */
export function promptHook(shell: HookShell, noticeFile: string): string {
  const body = [
    // Keeps $? for prompt commands that run after it (starship, powerline), as direnv does.
    `_credd_notice() {`,
    `  local s=$? f=${shellQuote(noticeFile)} m`,
    `  if [[ ! -s $f ]]; then _credd_seen=; return $s; fi`,
    `  IFS= read -r m < "$f"`,
    `  [[ $m == "$_credd_seen" ]] && return $s`,
    `  _credd_seen=$m`,
    `  printf 'credd: %s\\n' "$m" >&2`,
    `  return $s`,
    `}`,
  ];
  if (shell === 'zsh') return [...body, 'autoload -Uz add-zsh-hook && add-zsh-hook precmd _credd_notice', ''].join('\n');
  return [
    ...body,
    'case ";${PROMPT_COMMAND:-};" in *";_credd_notice;"*) ;; *) PROMPT_COMMAND="_credd_notice${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;; esac',
    '',
  ].join('\n');
}
