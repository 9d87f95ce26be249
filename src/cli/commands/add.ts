import type { Command } from 'commander';
import { maskAccessKeyId } from '../../domain/credentials.js';
import { CreddError } from '../../domain/errors.js';
import type { CliContext } from '../cli-context.js';
import { addKey, secretsView } from '../secret-client.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';

export interface AddInput {
  profile: string;
  fromEnv: boolean;
  force: boolean;
}

/** Stores a long-term key, through the daemon when it runs. The secret never goes through argv. */
export async function runAdd(input: AddInput, ctx: CliContext): Promise<void> {
  const profile = validProfileName(input.profile);
  // Names only: knowing a key exists needs no secret read.
  if (!input.force && (await secretsView(ctx)).keys.includes(profile)) {
    throw new CreddError('KeyExists', `Profile "${profile}" already has a key in credd; use --force to replace it.`);
  }
  let accessKeyId: string;
  let secretAccessKey: string;
  if (input.fromEnv) {
    accessKeyId = (ctx.env['AWS_ACCESS_KEY_ID'] ?? '').trim();
    secretAccessKey = (ctx.env['AWS_SECRET_ACCESS_KEY'] ?? '').trim();
    if (accessKeyId === '' || secretAccessKey === '') {
      throw new CreddError('MissingEnv', '--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.');
    }
    if ((ctx.env['AWS_SESSION_TOKEN'] ?? '') !== '') {
      throw new CreddError('TemporaryKey', 'AWS_SESSION_TOKEN is set: credd stores long-term IAM user keys (AKIA…), not temporary ones.');
    }
  } else {
    accessKeyId = (await ctx.prompt.ask('Access Key ID: ')).trim();
    secretAccessKey = (await ctx.prompt.ask('Secret Access Key: ', { secret: true })).trim();
  }
  const result = await addKey(ctx, { profile, accessKeyId, secretAccessKey, replace: input.force });
  ctx.out.write(`Added key ${maskAccessKeyId(accessKeyId)} for profile "${profile}" to the ${result.store}.\n`);
}

export function registerAdd(program: Command, ctx: () => CliContext): void {
  program
    .command('add')
    .description('store an IAM user access key in the OS keychain (asks for it; the secret is not echoed)')
    .argument(PROFILE_ARG, 'profile name, e.g. base')
    .option('--env', 'take AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment instead of asking', false)
    .option('-f, --force', 'replace a key that is already stored', false)
    .action((profile: string, opts: { env: boolean; force: boolean }) => runAdd({ profile, fromEnv: opts.env, force: opts.force }, ctx()));
}
