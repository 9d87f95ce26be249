// The rig most in-process broker and daemon tests share: one STS emulator and one scratch
// directory for the enclosing describe, started before its tests and removed after them.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { startStsEmulator, type StsEmulator } from './sts-emulator.js';

export interface StsRig {
  /** The emulator; read it inside a test or hook (it starts in `before`). */
  readonly sts: StsEmulator;
  /** A fresh directory under the OS temp dir, removed with everything in it afterwards. */
  readonly dir: string;
}

/** Call inside a describe: registers the before/after hooks and returns the live rig. */
export function withStsEmulator(dirPrefix: string): StsRig {
  let sts: StsEmulator | undefined;
  let dir: string | undefined;
  before(async () => {
    sts = await startStsEmulator();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), dirPrefix));
  });
  after(async () => {
    await sts?.close();
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('withStsEmulator: used before its before() hook ran');
    return value;
  };
  return {
    get sts() {
      return started(sts);
    },
    get dir() {
      return started(dir);
    },
  };
}
