// An in-memory StsGateway on an injected clock: what the broker and MFA state machines need to
// be tested in milliseconds. It issues credentials that expire `lifetimeMs` after the clock's
// now, records every call, and can hold calls open (`hold()`) to show single-flight.
import type { TemporaryCredentials } from '../../src/domain/credentials.js';
import type { AssumeRoleInput, AssumeRoleWithWebIdentityInput, Clock, GetSessionTokenInput, StsGateway } from '../../src/domain/ports.js';

export interface FakeStsCall { action: 'AssumeRole' | 'GetSessionToken' | 'AssumeRoleWithWebIdentity'; roleArn?: string; tokenCode?: string; signedWith: string }

export class FakeStsGateway implements StsGateway {
  readonly calls: FakeStsCall[] = [];
  /** Lifetime of what is issued from now on. */
  lifetimeMs = 3_600_000;
  /** When set, every call fails with it. */
  failWith: Error | undefined;
  private issued = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  count(action: FakeStsCall['action']): number {
    return this.calls.filter((c) => c.action === action).length;
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
    if (this.failWith) throw this.failWith;
    const n = ++this.issued;
    const id = `ASIAFAKE${String(n).padStart(12, '0')}`;
    return { accessKeyId: id, secretAccessKey: `fake-secret-${n}`.padEnd(40, 'x'), sessionToken: `fake-token-${n}`, expiration: new Date(this.clock.now() + this.lifetimeMs) };
  }
}
