// An in-memory StsGateway on an injected clock: what the broker and MFA state machines need to
// be tested in milliseconds. It issues credentials that expire `lifetimeMs` after the clock's
// now, records every call, can fail or throttle the next calls, and can hold calls open
// (`hold()`) to show single-flight.
import type { TemporaryCredentials } from '../../src/domain/credentials.js';
import { StsError } from '../../src/domain/errors.js';
import type { AssumeRoleInput, AssumeRoleWithWebIdentityInput, Clock, GetSessionTokenInput, StsGateway } from '../../src/domain/ports.js';

export interface FakeStsCall { action: 'AssumeRole' | 'GetSessionToken' | 'AssumeRoleWithWebIdentity'; roleArn?: string; tokenCode?: string; signedWith: string }

export class FakeStsGateway implements StsGateway {
  readonly calls: FakeStsCall[] = [];
  /** Lifetime of what is issued from now on. */
  lifetimeMs = 3_600_000;
  /** When set, every call fails with it. */
  failWith: Error | undefined;
  /** Failures for the next calls, one each, before `failWith` and success. */
  private readonly failures: Error[] = [];
  private issued = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  count(action: FakeStsCall['action']): number {
    return this.calls.filter((c) => c.action === action).length;
  }

  /** The next `times` calls fail with `error`. */
  failNext(error: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(error);
  }

  /** The next `times` calls are refused as AWS does under load (a retryable STS error). */
  throttle(times = 1): void {
    this.failNext(new StsError('Throttling', 'Rate exceeded'), times);
  }

  /** Calls from now on wait until `release()`. */
  hold(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async assumeRole(input: AssumeRoleInput): Promise<TemporaryCredentials> {
    this.calls.push({ action: 'AssumeRole', roleArn: input.roleArn, signedWith: input.credentials.accessKeyId, ...(input.tokenCode !== undefined && { tokenCode: input.tokenCode }) });
    return { ...(await this.issue()), accountId: '123456789012', assumedRoleArn: `${input.roleArn.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${input.roleSessionName}` };
  }

  async getSessionToken(input: GetSessionTokenInput): Promise<TemporaryCredentials> {
    this.calls.push({ action: 'GetSessionToken', signedWith: input.key.accessKeyId, ...(input.tokenCode !== undefined && { tokenCode: input.tokenCode }) });
    return this.issue();
  }

  async assumeRoleWithWebIdentity(input: AssumeRoleWithWebIdentityInput): Promise<TemporaryCredentials> {
    this.calls.push({ action: 'AssumeRoleWithWebIdentity', roleArn: input.roleArn, signedWith: 'unsigned' });
    return { ...(await this.issue()), accountId: '123456789012' };
  }

  private async issue(): Promise<TemporaryCredentials> {
    if (this.gate) await this.gate;
    const failure = this.failures.shift() ?? this.failWith;
    if (failure) throw failure;
    const n = ++this.issued;
    const id = `ASIAFAKE${String(n).padStart(12, '0')}`;
    return { accessKeyId: id, secretAccessKey: `fake-secret-${n}`.padEnd(40, 'x'), sessionToken: `fake-token-${n}`, expiration: new Date(this.clock.now() + this.lifetimeMs) };
  }
}
