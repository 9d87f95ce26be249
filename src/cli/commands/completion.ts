import type { Command } from 'commander';
import { CreddError } from '../../domain/errors.js';
import type { CliContext } from '../cli-context.js';

interface Spec {
  name: string;
  aliases: string[];
  flags: string[];
  takesProfile: boolean;
  sub: string[];
}

function specs(program: Command): Spec[] {
  const flagsOf = (c: Command): string[] => c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
  return program.commands.map((c) => ({
    name: c.name(),
    aliases: c.aliases(),
    // Subcommands' flags too (service install --dry-run): simpler than a second level of cases.
    flags: [...new Set([...flagsOf(c), ...c.commands.flatMap(flagsOf)])],
    takesProfile: c.registeredArguments.some((a) => a.name() === 'profile'),
    sub: c.commands.map((s) => s.name()),
  }));
}

/**
 * Profile names straight from the config file with sed: no node start-up on every TAB. The
 * file is data, never code: names with anything but credd's profile-name characters are
 * skipped, so no `$(…)`, backtick, glob or quote can reach the shell's word expansion.
 */
const SED_PROFILES = `sed -n 's/^[[:space:]]*\\[profile[[:space:]]\\{1,\\}\\([^]]*\\)\\].*/\\1/p; s/^[[:space:]]*\\[default\\].*/default/p'`;
const SAFE_NAMES = `LC_ALL=C grep -E '^[A-Za-z0-9_.@+=,:-]+$'`;
const PROFILES_SH = `${SED_PROFILES} "\${AWS_CONFIG_FILE:-$HOME/.aws/config}" 2>/dev/null | ${SAFE_NAMES}`;

function bash(all: Spec[]): string {
  const cases = all
    .map((s) => `    ${[s.name, ...s.aliases].join('|')}) opts="${[...s.flags, ...s.sub, '--help'].join(' ')}"; ${s.takesProfile ? 'profiles=1' : 'profiles=0'} ;;`)
    .join('\n');
  return `# credd bash completion: eval "$(credd completion bash)"
_credd() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} opts profiles=0
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${all.map((s) => s.name).join(' ')} --help --version" -- "$cur")); return
  fi
  case $cmd in
${cases}
  esac
  if [[ $cur == -* || $profiles == 0 ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; fi
  # Never compgen -W on data: it expands $(…) and backticks inside the word list.
  local p; COMPREPLY=()
  while IFS= read -r p; do [[ $p == "$cur"* ]] && COMPREPLY+=("$p"); done < <(${PROFILES_SH})
}
complete -F _credd credd
`;
}

function zsh(all: Spec[]): string {
  const cases = all.map((s) => `    ${[s.name, ...s.aliases].join('|')}) opts=(${s.flags.join(' ')}); subs=(${s.sub.join(' ')}); profiles=${s.takesProfile ? 1 : 0} ;;`).join('\n');
  // compdef exists only after compinit (stock macOS zsh has none): then define _credd silently.
  return `# credd zsh completion: eval "$(credd completion zsh)"
_credd() {
  local -a opts subs; local profiles=0
  if (( CURRENT == 2 )); then compadd -- ${all.map((s) => s.name).join(' ')}; return; fi
  case \${words[2]} in
${cases}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then compadd -- $opts; return; fi
  if (( CURRENT == 3 && \${#subs} > 0 )); then compadd -- $subs; return; fi
  if [[ $profiles == 1 ]]; then compadd -- \${(f)"$(${PROFILES_SH})"}; return; fi
  compadd -- $opts
}
if (( \${+functions[compdef]} )); then compdef _credd credd; fi
`;
}

function fish(all: Spec[]): string {
  const lines = [
    '# credd fish completion: credd completion fish | source',
    'function __credd_profiles',
    '  set -l f ~/.aws/config',
    '  set -q AWS_CONFIG_FILE; and set f $AWS_CONFIG_FILE',
    `  ${SED_PROFILES} $f 2>/dev/null | ${SAFE_NAMES}`,
    'end',
    'complete -c credd -f',
  ];
  for (const s of all) {
    lines.push(`complete -c credd -n __fish_use_subcommand -a ${s.name}`);
    const seen = `__fish_seen_subcommand_from ${[s.name, ...s.aliases].join(' ')}`;
    for (const f of s.flags.filter((x) => x.startsWith('--'))) lines.push(`complete -c credd -n '${seen}' -l ${f.slice(2)}`);
    for (const sub of s.sub) lines.push(`complete -c credd -n '${seen}' -a ${sub}`);
    if (s.takesProfile) lines.push(`complete -c credd -n '${seen}' -a '(__credd_profiles)'`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: string, program: Command): string {
  const all = specs(program);
  if (shell === 'bash') return bash(all);
  if (shell === 'zsh') return zsh(all);
  if (shell === 'fish') return fish(all);
  throw new CreddError('UnknownShell', `No completion for "${shell}"; use bash, zsh or fish.`);
}

export function registerCompletion(program: Command, ctx: () => CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, flags, profile names): eval "$(credd completion bash)"')
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => {
      ctx().out.write(completionScript(shell, program));
    });
}
