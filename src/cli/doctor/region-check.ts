import { loadAwsConfig } from '../../config/aws-config.js';
import { profileRegion } from '../../config/profile-region.js';
import { loadState } from '../../daemon/daemon-state.js';
import { errorMessage } from '../../domain/errors.js';
import type { DaemonStatus } from '../../protocol/control-api.js';
import type { CliContext } from '../cli-context.js';
import { fail, ok, warn, type CheckResult } from './check.js';

/** Programs need a region too: without one the AWS CLI stops with "You must specify a region". */
export async function regionCheck(ctx: CliContext, status: DaemonStatus | undefined): Promise<CheckResult> {
  const profile = status?.activeProfile ?? (await loadState(ctx.paths.state)).activeProfile ?? undefined;
  try {
    const config = await loadAwsConfig(ctx.configFile);
    const region = profile === undefined ? profileRegion(config, '', ctx.env) : profileRegion(config, profile, ctx.env);
    if (region !== undefined) return ok(`region ${region}${profile === undefined ? '' : ` for ${profile}`}`);
    const what = profile === undefined ? 'no region: AWS_REGION is not set' : `no region for ${profile}: none on it, up its source_profile chain, or in AWS_REGION`;
    return warn(`${what} (the AWS CLI will stop with "You must specify a region")`, `add "region = eu-west-1" (yours) to the profile at the root of the chain in ${ctx.configFile}`);
  } catch (err) {
    return fail(errorMessage(err), `fix ${ctx.configFile}`);
  }
}
