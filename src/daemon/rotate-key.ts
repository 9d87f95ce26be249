import type { LongTermKey, SigningCredentials } from '../domain/credentials.js';
import { maskAccessKeyId } from '../domain/credentials.js';
import { CreddError, errorMessage } from '../domain/errors.js';
import type { IamGateway, IdentityCheck, SecretStore } from '../domain/ports.js';
import { encodeKey, keyItem } from '../domain/stored-key.js';

export interface RotateDeps {
  store: SecretStore;
  iam: IamGateway;
  verify: IdentityCheck;
  /** What IAM calls are signed with: the MFA session when the user's policy wants MFA, else the old key. */
  signing: SigningCredentials | undefined;
  say(line: string): void;
  /** IAM is eventually consistent: a new key may need a few seconds before STS accepts it. */
  verifyAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RotateResult {
  oldKeyId: string;
  newKeyId: string;
}

/**
 * create → verify → store → delete. Every failure leaves a working key in the keychain and
 * says exactly what exists in AWS; the only working key is never deleted.
 */
export async function rotateKey(user: string, old: LongTermKey, deps: RotateDeps): Promise<RotateResult> {
  const signing = deps.signing ?? old;
  const existing = await deps.iam.listAccessKeys(signing).catch((err: unknown) => {
    throw new CreddError('RotateFailed', `Nothing changed: could not list the access keys of "${user}": ${errorMessage(err)}`);
  });
  const others = existing.filter((k) => k.accessKeyId !== old.accessKeyId);
  if (others.length > 0) {
    throw new CreddError(
      'RotateFailed',
      `Nothing changed: "${user}" already has another access key (${others.map((k) => `${k.accessKeyId} ${k.status}`).join(', ')}) and AWS allows two; delete the one credd does not use first: aws iam delete-access-key --access-key-id ${others[0]?.accessKeyId ?? ''}`,
    );
  }
  const created = await deps.iam.createAccessKey(signing).catch((err: unknown) => {
    throw new CreddError('RotateFailed', `Nothing changed: IAM did not create a new key: ${errorMessage(err)}`);
  });
  deps.say(`created ${maskAccessKeyId(created.accessKeyId)}`);
  const undo = async (why: string): Promise<never> => {
    const removed = await deps.iam.deleteAccessKey(signing, created.accessKeyId).then(() => true, () => false);
    const fate = removed ? 'it was deleted again' : `it could NOT be deleted — delete it yourself: aws iam delete-access-key --access-key-id ${created.accessKeyId}`;
    throw new CreddError('RotateFailed', `${why}; ${fate}. The old key ${maskAccessKeyId(old.accessKeyId)} is still in the keychain and active.`);
  };
  await verifyKey(created, deps).catch((err: unknown) => undo(`The new key ${created.accessKeyId} did not work (${errorMessage(err)})`));
  deps.say(`verified ${maskAccessKeyId(created.accessKeyId)} with STS`);
  await deps.store.set(keyItem(user), encodeKey(created)).catch((err: unknown) => undo(`The new key could not be stored in the ${deps.store.description} (${errorMessage(err)})`));
  deps.say(`stored ${maskAccessKeyId(created.accessKeyId)} in the ${deps.store.description}`);
  try {
    await deps.iam.deleteAccessKey(signing, old.accessKeyId);
  } catch (err) {
    throw new CreddError(
      'RotateIncomplete',
      `credd now uses the new key ${maskAccessKeyId(created.accessKeyId)}, but the old key ${old.accessKeyId} is still active in AWS (${errorMessage(err)}); delete it: aws iam delete-access-key --access-key-id ${old.accessKeyId}`,
    );
  }
  deps.say(`deleted ${maskAccessKeyId(old.accessKeyId)}`);
  return { oldKeyId: old.accessKeyId, newKeyId: created.accessKeyId };
}

async function verifyKey(key: LongTermKey, deps: RotateDeps): Promise<void> {
  const attempts = deps.verifyAttempts ?? 8;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let i = 1; ; i++) {
    try {
      await deps.verify(key);
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(Math.min(4_000, 500 * 2 ** (i - 1)));
    }
  }
}
