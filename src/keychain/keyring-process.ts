import { spawn, type ChildProcess } from 'node:child_process';
import { childEnv } from '../platform/child-env.js';
import { createRequire } from 'node:module';

export type KeyringRequest =
  | { op: 'get'; service: string; item: string }
  | { op: 'set'; service: string; item: string; value: string }
  | { op: 'delete'; service: string; item: string }
  | { op: 'list'; service: string };

export type KeyringOutcome =
  | { ok: true; value: string | boolean | string[] | null }
  | { ok: false; kind: 'failed' | 'timeout' | 'unavailable'; raw: string };

interface Pending {
  settle: (outcome: KeyringOutcome) => void;
  timer: NodeJS.Timeout;
  child: ChildProcess;
}

interface Waiting {
  req: KeyringRequest;
  settle: (outcome: KeyringOutcome) => void;
}

/*
 * Why a child process: on Linux `new AsyncEntry()` is synchronous and talks to D-Bus (~10 ms
 * normally, ~2 s when gnome-keyring is stuck, forever when the bus never answers), an
 * AbortSignal does not interrupt a call in flight, and libdbus waits with select(), which
 * spins forever once its socket's fd number passes 1023 — as it does in a daemon holding
 * a thousand client connections. A child has its own, small fd table; a stuck one is killed
 * at its deadline and a fresh one started, and it can never keep the daemon from stopping.
 *
 * The child is plain JavaScript given to `node -e`, so it runs the same under tsx and from
 * dist/; it avoids `require`/`import` because an inherited --input-type could change which works.
 */
const childSource = `
const { createRequire } = process.getBuiltinModule('node:module');
const cfg = JSON.parse(process.env.CREDD_KEYRING_CHILD || '{}');
delete process.env.CREDD_KEYRING_CHILD;
let keyring;
try { keyring = createRequire(cfg.modulePath)(cfg.modulePath); } catch (err) { keyring = err; }
async function run(req) {
  if (keyring instanceof Error) throw keyring;
  const signal = AbortSignal.timeout(cfg.timeoutMs);
  if (req.op === 'list') {
    const found = await keyring.findCredentialsAsync(req.service, null, signal);
    return found.map((c) => c.account);
  }
  const entry = new keyring.AsyncEntry(req.service, req.item, cfg.entryOptions);
  if (req.op === 'get') return await entry.getPassword(signal);
  if (req.op === 'set') { await entry.setPassword(req.value, signal); return null; }
  return await entry.deleteCredential(signal);
}
process.on('message', ({ id, req }) => {
  run(req).then(
    (value) => process.send({ id, ok: true, value: value === undefined ? null : value }),
    (err) => process.send({ id, ok: false, raw: String((err && err.message) || err) }),
  );
});
process.on('disconnect', () => process.exit(0));
`;

/**
 * Starts the helper process. It receives `{ id, req }` messages over IPC and answers
 * `{ id, ok, value }` or `{ id, ok: false, raw }`; `config` is JSON for its environment.
 * Tests inject a fake helper here to play a keychain that blocks like a dialog or denies.
 */
export type KeyringHelperSpawner = (config: string) => ChildProcess;

export const spawnKeyringHelper: KeyringHelperSpawner = (config) =>
  spawn(process.execPath, ['-e', childSource], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...childEnv(), CREDD_KEYRING_CHILD: config },
  });

type ChildReply = { id: number; ok: true; value: string | boolean | string[] | null } | { id: number; ok: false; raw: string };

/**
 * Runs @napi-rs/keyring calls in a private child process, one at a time, each with a deadline
 * that starts when the call is handed to the child. One at a time because gnome-keyring 42
 * crashes under concurrent Secret Service sessions (a glib assertion, `trap int3` in the
 * kernel log; seen here with 12 concurrent saves or reads on a busy machine), after which
 * D-Bus starts a fresh daemon whose keyring is locked; and on macOS each concurrent call can
 * raise its own dialog.
 */
export class KeyringProcess {
  readonly #entryOptions: unknown;
  readonly #timeoutMs: number;
  readonly #spawn: KeyringHelperSpawner;
  readonly #pending = new Map<number, Pending>();
  readonly #waiting: Waiting[] = [];
  #child: ChildProcess | undefined;
  #nextId = 1;

  constructor(options: { entryOptions?: unknown; timeoutMs: number; spawnHelper?: KeyringHelperSpawner }) {
    this.#entryOptions = options.entryOptions;
    this.#timeoutMs = options.timeoutMs;
    this.#spawn = options.spawnHelper ?? spawnKeyringHelper;
  }

  call(req: KeyringRequest): Promise<KeyringOutcome> {
    return new Promise<KeyringOutcome>((settle) => {
      this.#waiting.push({ req, settle });
      if (this.#pending.size === 0) this.#sendNext();
    });
  }

  /** Hands the oldest waiting call to the child; the next goes once this one settles. */
  #sendNext(): void {
    const next = this.#waiting.shift();
    if (next === undefined) return;
    let child: ChildProcess;
    try {
      child = this.#ensureChild();
    } catch (err) {
      next.settle({ ok: false, kind: 'unavailable', raw: err instanceof Error ? err.message : String(err) });
      return this.#sendNext();
    }
    const id = this.#nextId++;
    const timer = setTimeout(() => {
      // A call stuck inside the addon never returns: drop that child, the next call gets a new one.
      if (this.#child === child) this.#child = undefined;
      this.#settle(id, { ok: false, kind: 'timeout', raw: 'timed out' });
      this.#discard(child, 'timed out');
    }, this.#timeoutMs);
    this.#pending.set(id, { settle: next.settle, timer, child });
    child.send({ id, req: next.req }, (err) => {
      // A channel that cannot carry a call is gone: drop that child (which settles this call); the next call gets a new one.
      if (err) this.#discard(child, err.message);
    });
  }

  /**
   * Starts the helper ahead of the first call (loading the addon touches no keychain), so a
   * cold request does not pay for a process start. A failure here is left for that call.
   */
  warm(): void {
    try {
      this.#ensureChild();
    } catch {
      // the first real call reports it
    }
  }

  /** Stops the child (daemon shutdown); pending and waiting calls fail at once. */
  close(): void {
    for (const waiting of this.#waiting.splice(0)) waiting.settle({ ok: false, kind: 'unavailable', raw: 'closed' });
    if (this.#child) this.#discard(this.#child, 'closed');
  }

  #settle(id: number, outcome: KeyringOutcome): void {
    const pending = this.#pending.get(id);
    // A reply that arrives after its deadline has nobody waiting for it any more.
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.settle(outcome);
    if (this.#pending.size === 0) this.#sendNext();
  }

  #discard(child: ChildProcess, raw: string): void {
    if (this.#child === child) this.#child = undefined;
    child.kill('SIGKILL');
    for (const [id, pending] of [...this.#pending]) {
      if (pending.child === child) this.#settle(id, { ok: false, kind: 'unavailable', raw });
    }
  }

  #ensureChild(): ChildProcess {
    if (this.#child) return this.#child;
    const modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
    const child = this.#spawn(JSON.stringify({ modulePath, entryOptions: this.#entryOptions, timeoutMs: this.#timeoutMs }));
    child.on('message', (message: unknown) => {
      // A reply of any other shape is dropped (its call then meets its deadline): a broken
      // helper costs a call, never the daemon (a throw here would be an uncaught exception).
      const reply = childReply(message);
      if (reply) this.#settle(reply.id, reply.ok ? { ok: true, value: reply.value } : { ok: false, kind: 'failed', raw: reply.raw });
    });
    child.on('error', (err) => this.#discard(child, err.message.split('\n')[0] ?? ''));
    child.on('exit', (code) => this.#discard(child, `keyring helper exited with code ${code}`));
    // The child must never keep a CLI command alive (a pending call's timer keeps the loop up).
    child.unref();
    child.channel?.unref();
    this.#child = child;
    return child;
  }
}

function childReply(m: unknown): ChildReply | undefined {
  if (m === null || typeof m !== 'object') return undefined;
  const r = m as Record<string, unknown>;
  if (typeof r['id'] !== 'number') return undefined;
  const v = r['value'];
  const value = v === null || typeof v === 'string' || typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'string')) ? v : undefined;
  if (r['ok'] === true && value !== undefined) return { id: r['id'], ok: true, value };
  if (r['ok'] === false && typeof r['raw'] === 'string') return { id: r['id'], ok: false, raw: r['raw'] };
  return undefined;
}
