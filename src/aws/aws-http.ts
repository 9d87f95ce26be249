import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SigningCredentials } from '../domain/credentials.js';
import { proxyAgents } from './proxy-agents.js';
import { toStsError } from './sts-errors.js';

/*
 * The one HTTP handler for every AWS call credd makes (STS, IAM, SSO, SSO-OIDC): per-attempt
 * timeouts, and the proxy variables honoured (the SDK's own handler ignores them).
 */
export function awsRequestHandler(opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): NodeHttpHandler {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new NodeHttpHandler({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs, ...proxyAgents(opts.env ?? process.env, timeoutMs) });
}

/** Runs one SDK call; its error becomes a StsError sentence (AWS's error shapes are shared). */
export async function callAws<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toStsError(err);
  }
}

/** A copy holding only what signing needs, so no extra field reaches the SDK. */
export function signingCredentials(c: SigningCredentials): SigningCredentials {
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken !== undefined && { sessionToken: c.sessionToken }) };
}
