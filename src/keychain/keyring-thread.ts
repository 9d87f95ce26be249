import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

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
  worker: Worker;
}

/*
 * Why a worker thread: on Linux `new AsyncEntry()` is synchronous and talks to D-Bus (it opens a
 * Secret Service session: ~10 ms normally, ~2 s when gnome-keyring is stuck, forever when the bus
 * itself never answers), and in @napi-rs/keyring 2.1.2 an AbortSignal does not interrupt a call
 * already in flight. Running the addon here keeps the daemon's event loop free whatever the
 * keychain does; the caller's timer is what turns a hang into an error.
 *
 * The worker is plain JavaScript given as a string so it runs unchanged under tsx (which does
 * not hook worker entry files on Node 20) and from dist/. It avoids both `require` and `import`
 * because an inherited --input-type flag decides whether eval code is CommonJS or ESM.
 */
const workerSource = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { createRequire } = process.getBuiltinModule('node:module');
const keyring = createRequire(workerData.modulePath)(workerData.modulePath);
const options = workerData.entryOptions;
async function run(req) {
  const signal = AbortSignal.timeout(workerData.timeoutMs);
  if (req.op === 'list') {
    const found = await keyring.findCredentialsAsync(req.service, null, signal);
    return found.map((c) => c.account);
  }
  const entry = new keyring.AsyncEntry(req.service, req.item, options);
  if (req.op === 'get') return await entry.getPassword(signal);
  if (req.op === 'set') { await entry.setPassword(req.value, signal); return null; }
  return await entry.deleteCredential(signal);
}
parentPort.on('message', ({ id, req }) => {
  run(req).then(
    (value) => parentPort.postMessage({ id, ok: true, value: value === undefined ? null : value }),
    (err) => parentPort.postMessage({ id, ok: false, raw: String((err && err.message) || err) }),
  );
});
`;

type WorkerReply = { id: number; ok: true; value: string | boolean | string[] | null } | { id: number; ok: false; raw: string };

/** Runs @napi-rs/keyring calls on a private worker thread, each with a deadline. */
export class KeyringThread {
  readonly #entryOptions: unknown;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;

  constructor(options: { entryOptions?: unknown; timeoutMs: number }) {
    this.#entryOptions = options.entryOptions;
    this.#timeoutMs = options.timeoutMs;
  }

  call(req: KeyringRequest): Promise<KeyringOutcome> {
    let worker: Worker;
    try {
      worker = this.#ensureWorker();
    } catch (err) {
      return Promise.resolve({ ok: false, kind: 'unavailable', raw: err instanceof Error ? err.message : String(err) });
    }
    const id = this.#nextId++;
    return new Promise<KeyringOutcome>((resolve) => {
      const timer = setTimeout(() => this.#settle(id, { ok: false, kind: 'timeout', raw: 'timed out' }), this.#timeoutMs);
      this.#pending.set(id, { settle: resolve, timer, worker });
      worker.postMessage({ id, req });
    });
  }

  #settle(id: number, outcome: KeyringOutcome): void {
    const pending = this.#pending.get(id);
    // A reply that arrives after its deadline has nobody waiting for it any more.
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.settle(outcome);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { modulePath, entryOptions: this.#entryOptions, timeoutMs: this.#timeoutMs },
    });
    worker.on('message', (reply: WorkerReply) => {
      this.#settle(reply.id, reply.ok ? { ok: true, value: reply.value } : { ok: false, kind: 'failed', raw: reply.raw });
    });
    const fail = (raw: string): void => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, pending] of [...this.#pending]) {
        if (pending.worker === worker) this.#settle(id, { ok: false, kind: 'unavailable', raw });
      }
    };
    // The addon failing to load (no prebuilt binary for this platform) surfaces here.
    worker.on('error', (err) => fail(err.message.split('\n')[0] ?? ''));
    worker.on('exit', (code) => fail(`keyring worker exited with code ${code}`));
    // The worker must never keep a CLI command alive (a pending call's timer keeps the loop up).
    // Unref after the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}
