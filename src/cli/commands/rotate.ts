import type { Command } from 'commander';
import { maskAccessKeyId } from '../../domain/credentials.js';
import { rotateStoredKey } from '../../daemon/rotate-stored-key.js';
import type { RotateResultView } from '../../protocol/control-api.js';
import { quietSdkNodeWarning } from '../../platform/quiet-sdk-warning.js';
import type { CliContext } from '../cli-context.js';
import { DaemonNotRunningError } from '../daemon-client.js';
import { withUserAction } from '../mfa-prompt.js';
import { viaDaemon } from '../secret-client.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';
import { ROUTES } from '../../protocol/routes.js';

/** Replaces PROFILE's IAM user key with a new one, in the daemon (which uses it at once) when it runs. */
export async function runRotate(input: { profile: string; mfaCode?: string }, ctx: CliContext): Promise<void> {
  const name = validProfileName(input.profile);
  let live = false;
  const result = await withUserAction(
    ctx,
    name,
    () =>
      viaDaemon<RotateResultView>(
        ctx,
        () => ctx.daemon.post<RotateResultView>(ROUTES.control.rotate, { profile: name }),
        // Without a daemon there is nobody to hold an MFA session: only MFA-free users rotate here.
        (store) => {
          quietSdkNodeWarning();
          return rotateStoredKey(name, {
            store,
            env: ctx.env,
            configFile: ctx.configFile,
            mfaSession: async () => {
              throw new DaemonNotRunningError(ctx.paths.controlSocket);
            },
            say: (line) => {
              live = true;
              ctx.err.write(`  ${line}\n`);
            },
          });
        },
      ),
    { ...(input.mfaCode !== undefined && { code: input.mfaCode }), interactive: ctx.prompt.interactive },
  );
  if (!live) for (const line of result.steps) ctx.err.write(`  ${line}\n`);
  ctx.out.write(`Rotated ${result.user}: ${maskAccessKeyId(result.oldKeyId)} → ${maskAccessKeyId(result.newKeyId)}; the old key is deleted and the daemon uses the new one from now on.\n`);
}

export function registerRotate(program: Command, ctx: () => CliContext): void {
  program
    .command('rotate')
    .description("replace the IAM user's access key (of PROFILE or its source): create, verify, store, delete the old one")
    .argument(PROFILE_ARG, 'the IAM-user profile, or a role profile whose source it is')
    .option('--mfa-code <code>', 'MFA code, when the user needs one and no session is cached')
    .action((profile: string, opts: { mfaCode?: string }) => runRotate({ profile, ...(opts.mfaCode !== undefined && { mfaCode: opts.mfaCode }) }, ctx()));
}
