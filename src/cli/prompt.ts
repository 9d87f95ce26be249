import type { Interface } from 'node:readline';
import { isatty } from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import { CreddError } from '../domain/errors.js';
import { terminalText } from '../platform/terminal-text.js';

export interface Prompt {
  /** Asks one line; `secret` hides what is typed. Rejects when input ends. */
  ask(question: string, opts?: { secret?: boolean }): Promise<string>;
  readonly interactive: boolean;
}

/**
 * Questions on the terminal (stderr, so stdout stays clean for `eval`), or one line per
 * question from stdin when stdin is not a terminal (scripts, tests).
 */
export function terminalPrompt(input: Readable & { isTTY?: boolean }, output: Writable): Prompt {
  const interactive = input.isTTY === true;
  const pending: string[] = [];
  const waiters: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  let ended = false;
  let rl: Interface | undefined;
  let muted = false;

  const open = (): Interface => {
    if (rl) return rl;
    // Loaded at the first question: most commands ask none (readline is seven of Node's modules).
    rl = process.getBuiltinModule('node:readline').createInterface({ input, output, terminal: interactive });
    const anyRl = rl as unknown as { _writeToOutput: (s: string) => void };
    const write = anyRl._writeToOutput.bind(rl);
    // While a secret is typed, echo nothing but the line break.
    anyRl._writeToOutput = (s: string) => {
      if (!muted || s.includes('\n') || s.includes('\r')) write(muted ? '\n' : s);
    };
    rl.on('line', (line) => {
      const w = waiters.shift();
      if (w) w.resolve(line);
      else pending.push(line);
    });
    rl.on('close', () => {
      ended = true;
      for (const w of waiters.splice(0)) w.reject(new CreddError('InputEnded', 'Input ended before an answer was given.'));
    });
    return rl;
  };

  return {
    interactive,
    ask(question, opts = {}) {
      const r = open();
      // The question may name an MFA serial from the config: no control of it reaches the terminal.
      if (interactive) output.write(terminalText(question));
      muted = interactive && opts.secret === true;
      const answer = new Promise<string>((resolve, reject) => {
        const line = pending.shift();
        if (line !== undefined) resolve(line);
        else if (ended) reject(new CreddError('InputEnded', 'Input ended before an answer was given.'));
        else waiters.push({ resolve, reject });
      });
      // A closed interface throws on resume/pause from Node 22 on (ERR_USE_AFTER_CLOSE).
      if (!ended) r.resume();
      return answer.finally(() => {
        muted = false;
        if (waiters.length === 0 && !ended) r.pause();
      });
    },
  };
}

/**
 * The prompt on this process's stdin and stderr, made at the first question: a command that asks
 * nothing never opens stdin (creating that stream is a few ms of every short command).
 */
export function processPrompt(): Prompt & { readonly opened: boolean } {
  let prompt: Prompt | undefined;
  return {
    get interactive() {
      return prompt?.interactive ?? isatty(0);
    },
    get opened() {
      return prompt !== undefined;
    },
    ask: (question, opts) => (prompt ??= terminalPrompt(process.stdin, process.stderr)).ask(question, opts),
  };
}

export function closePrompt(input: Readable): void {
  input.pause();
  if ('unref' in input && typeof input.unref === 'function') (input as unknown as { unref(): void }).unref();
}
