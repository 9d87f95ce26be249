import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { isAccessKeyIdShape, isSecretAccessKeyShape, maskAccessKeyId } from '../../domain/credentials.js';
import { CreddError } from '../../domain/errors.js';
import type { AddKeyResult } from '../../protocol/control-api.js';
import { writeFileAtomic } from '../../platform/write-file-atomic.js';
import type { CliContext } from '../cli-context.js';
import { parseCredentialsFile, withoutKeys } from '../import/credentials-file.js';
import { addKey } from '../secret-client.js';

export interface ImportInput {
  profiles: string[];
  /** Remove imported keys from the plaintext file without asking. */
  remove: boolean;
  /** Replace keys already in credd. */
  force: boolean;
}

export function credentialsFile(env: NodeJS.ProcessEnv): string {
  return env['AWS_SHARED_CREDENTIALS_FILE'] || path.join(env['HOME'] ?? os.homedir(), '.aws', 'credentials');
}

/**
 * Moves long-term keys from ~/.aws/credentials into the keychain, then (asked, or with
 * --remove) deletes them from the plaintext file, keeping a 0600 backup.
 */
export async function runImport(input: ImportInput, ctx: CliContext): Promise<void> {
  const file = credentialsFile(ctx.env);
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new CreddError('NoCredentialsFile', `There is no credentials file at ${file}; nothing to import.`);
  });
  const wanted = new Set(input.profiles);
  const sections = parseCredentialsFile(text).filter((s) => s.accessKeyId !== undefined && (wanted.size === 0 || wanted.has(s.name)));
  for (const name of wanted) {
    if (!sections.some((s) => s.name === name)) throw new CreddError('NoSuchProfile', `${file} has no access key for profile "${name}".`);
  }
  const imported = new Set<string>();
  for (const s of sections) {
    const key = { accessKeyId: s.accessKeyId ?? '', secretAccessKey: s.secretAccessKey ?? '' };
    if (s.hasSessionToken) {
      ctx.out.write(`skip ${s.name}: it holds temporary credentials (aws_session_token), not a long-term key\n`);
      continue;
    }
    if (!isAccessKeyIdShape(key.accessKeyId) || !key.accessKeyId.startsWith('AKIA') || !isSecretAccessKeyShape(key.secretAccessKey)) {
      ctx.out.write(`skip ${s.name}: the key in the file is not a well-formed long-term access key\n`);
      continue;
    }
    let result: AddKeyResult;
    try {
      result = await addKey(ctx, { profile: s.name, ...key, replace: input.force });
    } catch (err) {
      if (!(err instanceof CreddError) || err.code !== 'KeyExists') throw err;
      ctx.out.write(`skip ${s.name}: credd already holds another key for it (use --force to replace)\n`);
      continue;
    }
    imported.add(s.name);
    ctx.out.write(`${result.outcome === 'unchanged' ? 'already in credd' : 'imported'}: ${s.name} (${maskAccessKeyId(key.accessKeyId)}) → ${result.store}\n`);
  }
  if (imported.size === 0) return;
  let remove = input.remove;
  if (!remove && ctx.prompt.interactive) {
    const answer = await ctx.prompt.ask(`Remove the imported keys from ${file}? A 0600 backup is kept. [y/N] `);
    remove = /^y(es)?$/i.test(answer.trim());
  }
  if (!remove) {
    ctx.out.write(`The keys are still in plaintext in ${file}; remove them with: credd import --remove\n`);
    return;
  }
  const backup = await writeBackup(file, text);
  // Follow a symlinked ~/.aws/credentials (dotfile repos) instead of replacing the link.
  const target = await fs.realpath(file).catch(() => file);
  await writeFileAtomic(target, withoutKeys(text, imported));
  ctx.out.write(`Removed ${imported.size} key${imported.size === 1 ? '' : 's'} from ${file} (backup: ${backup}; delete it once you are sure).\n`);
}

/** A 0600 copy next to the file; never overwrites an earlier backup. */
async function writeBackup(file: string, text: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  for (let n = 0; ; n++) {
    const name = `${file}.credd-backup-${stamp}${n === 0 ? '' : `-${n}`}`;
    try {
      await fs.writeFile(name, text, { mode: 0o600, flag: 'wx' });
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw err;
    }
  }
}

export function registerImport(program: Command, ctx: () => CliContext): void {
  program
    .command('import')
    .description('move long-term keys from ~/.aws/credentials into the keychain (and, confirmed or with --remove, out of the file)')
    .argument('[profiles...]', 'only these profiles (default: every profile with a key)')
    .option('--remove', 'remove the imported keys from the credentials file without asking (a backup is kept)', false)
    .option('-f, --force', 'replace keys credd already holds for those profiles', false)
    .action((profiles: string[], opts: { remove: boolean; force: boolean }) => runImport({ profiles, remove: opts.remove, force: opts.force }, ctx()));
}
