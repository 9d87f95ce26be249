import { spawn } from 'node:child_process';
import { CreddError } from '../domain/errors.js';
import type { Clock, ProcessCredentialSource, SourceCredentials } from '../domain/ports.js';
import type { ProcessProfile } from '../domain/profile.js';
import { systemClock } from '../platform/clock.js';
import { splitCommand } from '../platform/split-command.js';
import { parseProcessOutput } from './process-output.js';

/** Output with an Expiration is reused while more than this is left (botocore's advisory window). */
const REUSE_MARGIN_MS = 15 * 60_000;
const MAX_STDOUT = 64 * 1024;
const MAX_STDERR = 4 * 1024;

export interface CredentialProcessOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  clock?: Pick<Clock, 'now'>;
}

/**
 * Runs credential_process commands as the AWS CLI does (argv split like shlex, no shell,
 * stdout is the JSON), with a timeout the CLI lacks: a daemon must not hang on a helper.
 * Temporary output is kept until near its Expiration; long-term output is never kept.
 */
export class CredentialProcess implements ProcessCredentialSource {
  private readonly cache = new Map<string, SourceCredentials>();
  private readonly running = new Map<string, Promise<SourceCredentials>>();

  constructor(private readonly opts: CredentialProcessOptions) {}

  credentials(profile: ProcessProfile): Promise<SourceCredentials> {
    const key = `${profile.name}\0${profile.command}`;
    const cached = this.cache.get(key);
    const now = (this.opts.clock ?? systemClock).now();
    if (cached?.expiration && cached.expiration.getTime() - now > REUSE_MARGIN_MS) return Promise.resolve(cached);
    const inflight = this.running.get(key);
    if (inflight) return inflight;
    const run = this.run(profile).then((creds) => {
      if (creds.expiration) this.cache.set(key, creds);
      else this.cache.delete(key);
      return creds;
    });
    this.running.set(key, run);
    const clear = (): void => void this.running.delete(key);
    run.then(clear, clear);
    return run;
  }

  forget(profile?: string): void {
    for (const key of [...this.cache.keys()]) if (profile === undefined || key.startsWith(`${profile}\0`)) this.cache.delete(key);
  }

  private async run(profile: ProcessProfile): Promise<SourceCredentials> {
    const argv = splitCommand(profile.command);
    const what = `Profile "${profile.name}": credential_process`;
    if (!Array.isArray(argv)) throw new CreddError('CredentialProcessFailed', `${what} cannot be split into a command (${argv.problem}).`);
    const program = argv[0] ?? '';
    const { stdout, stderr, code, signal, error } = await this.spawn(argv);
    if (error) throw new CreddError('CredentialProcessFailed', `${what} ${program} could not be started (${error}).`);
    if (signal === 'timeout') {
      throw new CreddError('CredentialProcessFailed', `${what} ${program} did not finish within ${Math.round(this.opts.timeoutMs / 1000)} s and was stopped.`);
    }
    if (code !== 0) {
      const said = firstLine(stderr);
      throw new CreddError('CredentialProcessFailed', `${what} ${program} failed (${signal ? `killed by ${signal}` : `exit status ${code}`})${said ? `: ${said}` : '.'}`);
    }
    return parseProcessOutput(stdout, `${what} ${program}`, (this.opts.clock ?? systemClock).now());
  }

  private spawn(argv: string[]): Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null; error?: string }> {
    return new Promise((resolve) => {
      // Its own process group, so a timeout stops the helper's children too (a shell script's
      // `sleep` would otherwise hold the pipes open long after the script was killed).
      const child = spawn(argv[0] ?? '', argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: this.opts.env, shell: false, detached: true });
      let stdout = '';
      let stderr = '';
      let settled = false;
      const finish = (result: { code: number | null; signal: string | null; error?: string }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ stdout, stderr, ...result });
      };
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < MAX_STDOUT) stdout += d.toString('utf8');
      });
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < MAX_STDERR) stderr += d.toString('utf8');
      });
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        finish({ code: null, signal: 'timeout' });
      }, this.opts.timeoutMs);
      child.on('error', (err: NodeJS.ErrnoException) => {
        finish({ code: null, signal: null, error: err.code === 'ENOENT' ? 'no such program' : err.code === 'EACCES' ? 'not executable' : err.message });
      });
      child.on('close', (code, signal) => finish({ code, signal }));
    });
  }
}

/** The first non-empty line, printable characters only, short enough for one sentence. */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim().slice(0, 200);
}
