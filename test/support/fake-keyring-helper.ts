// A stand-in for the keychain helper process (the platform boundary credd cannot cross here:
// no macOS). It speaks the same IPC protocol as the real helper and plays a keychain whose
// owner allows, denies, or leaves a dialog open, as the test writes into `mode`.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KeyringHelperSpawner } from '../../src/keychain/keyring-process.js';

export type FakeMode = 'allow' | 'deny' | 'dialog';

/*
 * allow: answers from items.json. deny: answers as macOS does when the user clicks "Deny"
 * (errSecUserCanceled -128 through the keyring crate). dialog: says nothing until the mode
 * changes, like a dialog nobody has answered yet. Every request is appended to calls.log.
 */
const source = `
const fs = require('node:fs');
const path = require('node:path');
const dir = process.env.FAKE_KEYCHAIN_DIR;
const file = (n) => path.join(dir, n);
const mode = () => fs.readFileSync(file('mode'), 'utf8').trim();
const items = () => JSON.parse(fs.readFileSync(file('items.json'), 'utf8'));
const answer = (req) => {
  const all = items();
  const key = req.service + '/' + (req.item || '');
  if (req.op === 'get') return all[key] === undefined ? null : all[key];
  if (req.op === 'set') { all[key] = req.value; fs.writeFileSync(file('items.json'), JSON.stringify(all)); return null; }
  if (req.op === 'delete') { const had = all[key] !== undefined; delete all[key]; fs.writeFileSync(file('items.json'), JSON.stringify(all)); return had; }
  return Object.keys(all).filter((k) => k.startsWith(req.service + '/')).map((k) => k.slice(req.service.length + 1));
};
const reply = (id, req) => {
  const m = mode();
  if (m === 'dialog') { setTimeout(() => reply(id, req), 20); return; }
  if (m === 'deny') { process.send({ id, ok: false, raw: "Couldn't access platform secure storage: User canceled the operation. (-128)" }); return; }
  process.send({ id, ok: true, value: answer(req) });
};
process.on('message', ({ id, req }) => {
  fs.appendFileSync(file('calls.log'), req.op + ' ' + (req.item || '') + '\\n');
  reply(id, req);
});
process.on('disconnect', () => process.exit(0));
fs.appendFileSync(file('started.log'), process.pid + '\\n');
`;

export interface FakeKeychain {
  /** Items as the keychain holds them, changed behind credd's back (e.g. in Keychain Access). */
  writeItems(items: Record<string, string>): Promise<void>;
  spawnHelper: KeyringHelperSpawner;
  setMode(mode: FakeMode): Promise<void>;
  /** Requests that reached the keychain (each one a dialog when the item's ACL does not trust the caller). */
  calls(): Promise<string[]>;
  /** How many helper processes have started and are listening for requests. */
  started(): Promise<number>;
  cleanup(): Promise<void>;
}

export async function fakeKeychain(mode: FakeMode, items: Record<string, string> = {}): Promise<FakeKeychain> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-fake-keychain-'));
  await fs.writeFile(path.join(dir, 'mode'), mode);
  await fs.writeFile(path.join(dir, 'items.json'), JSON.stringify(items));
  await fs.writeFile(path.join(dir, 'calls.log'), '');
  return {
    spawnHelper: () =>
      spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { PATH: process.env['PATH'] ?? '', FAKE_KEYCHAIN_DIR: dir } }),
    writeItems: (next) => fs.writeFile(path.join(dir, 'items.json'), JSON.stringify(next)),
    // Written aside and renamed: the helper polls `mode`, and a truncate-then-write would let it read '' (which answers like allow).
    setMode: async (m) => {
      await fs.writeFile(path.join(dir, 'mode.tmp'), m);
      await fs.rename(path.join(dir, 'mode.tmp'), path.join(dir, 'mode'));
    },
    calls: async () => (await fs.readFile(path.join(dir, 'calls.log'), 'utf8')).split('\n').filter((l) => l !== ''),
    started: async () => (await fs.readFile(path.join(dir, 'started.log'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length,
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
