import fs from 'node:fs/promises';
import { ConfigError } from '../domain/errors.js';
import { loadAwsConfig, type AwsConfig } from './aws-config.js';

/** How long a look at the files holds before the next request looks again. */
const RECHECK_MS = 1_000;

/** What the snapshot does to the file system; tests count it. */
export interface SnapshotFiles {
  /** A string that changes whenever the file does; 'none' for a missing file. */
  stamp(file: string): Promise<string>;
  load(configFile: string, credentialsFile: string | undefined): Promise<AwsConfig>;
}

export interface SnapshotOptions {
  configFile: string;
  credentialsFile?: string;
  files?: SnapshotFiles;
  now?: () => number;
  recheckMs?: number;
}

type State = { config: AwsConfig } | { error: ConfigError };

/**
 * The daemon's one copy of ~/.aws/config (and the files it refers to): every reader on the
 * request path reads this copy and never the disk. The files are looked at (one stat each) at
 * most once a second, and parsed again only when one changed; each parse bumps `generation`,
 * so a reader can tell cheaply whether anything it derived may be out of date. A profile a
 * reader cannot find forces a look at once (a role added a moment ago must be seen).
 */
export class ConfigSnapshot {
  #state: State | undefined;
  #generation = 0;
  #stamp = '';
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | undefined;
  /** Files read on behalf of the config (session policies), with the stamp they had then. */
  readonly #extra = new Map<string, string>();
  readonly #files: SnapshotFiles;
  readonly #now: () => number;
  readonly #recheckMs: number;

  constructor(private readonly opts: SnapshotOptions) {
    this.#files = opts.files ?? diskFiles;
    this.#now = opts.now ?? Date.now;
    this.#recheckMs = opts.recheckMs ?? RECHECK_MS;
  }

  /** Bumped on every parse (a changed file, or a changed error). */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Undefined while the last look is recent (nothing to wait for: the request path stays
   * synchronous); else the promise of a look. `force` looks now, whatever the age.
   */
  refresh(force = false): Promise<void> | undefined {
    if (this.#checking) return this.#checking;
    if (!force && this.#state !== undefined && this.#now() - this.#checkedAt < this.#recheckMs) return undefined;
    const run = this.#check().finally(() => {
      this.#checking = undefined;
    });
    this.#checking = run;
    return run;
  }

  /** The config as of the last look; throws the error of a file the AWS CLI would refuse. */
  config(): AwsConfig {
    const state = this.#state;
    if (state === undefined) throw new ConfigError(`The AWS config file ${this.opts.configFile} has not been read yet.`);
    if ('error' in state) throw state.error;
    return state.config;
  }

  /** The last parse's error, if the config is broken now. */
  get error(): ConfigError | undefined {
    return this.#state !== undefined && 'error' in this.#state ? this.#state.error : undefined;
  }

  /** The config, looked at first if that is due; a missing profile forces a look. */
  async current(profile?: string): Promise<AwsConfig> {
    await this.refresh();
    if (profile !== undefined && this.#state !== undefined && 'config' in this.#state && !this.#state.config.profiles.has(profile)) {
      await this.refresh(true);
    }
    return this.config();
  }

  /**
   * A file derived data is read from (a session policy): its edits bump the generation too.
   * Call before reading it, so that an edit racing the read is seen on the next look.
   */
  async track(file: string): Promise<void> {
    if (!this.#extra.has(file)) this.#extra.set(file, await this.#stampOf(file));
  }

  async #check(): Promise<void> {
    this.#checkedAt = this.#now();
    const { configFile, credentialsFile } = this.opts;
    const own = credentialsFile === undefined ? [configFile] : [configFile, credentialsFile];
    const ownStamp = (await Promise.all(own.map((f) => this.#stampOf(f)))).join('|');
    const extras = await Promise.all([...this.#extra.keys()].map(async (f) => [f, await this.#stampOf(f)] as const));
    let extraChanged = false;
    for (const [file, stamp] of extras) {
      if (this.#extra.get(file) !== stamp) extraChanged = true;
      this.#extra.set(file, stamp);
    }
    const reparse = this.#state === undefined || ownStamp !== this.#stamp;
    if (!reparse && !extraChanged) return;
    this.#stamp = ownStamp;
    // A session policy file alone changed: same parse, but what was derived from it is out of date.
    if (reparse) {
      try {
        this.#state = { config: await this.#files.load(configFile, credentialsFile) };
      } catch (err) {
        this.#state = { error: err instanceof ConfigError ? err : new ConfigError(`Could not read AWS config file ${configFile}: ${(err as Error).message}`) };
      }
    }
    this.#generation++;
  }

  #stampOf(file: string): Promise<string> {
    return this.#files.stamp(file).catch((err: NodeJS.ErrnoException) => `error:${err.code ?? 'unknown'}`);
  }
}

const diskFiles: SnapshotFiles = {
  async stamp(file) {
    const st = await fs.stat(file, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    return st === undefined ? 'none' : `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  },
  load: loadAwsConfig,
};
