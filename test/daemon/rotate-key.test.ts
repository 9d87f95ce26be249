// rotate's undo: when the new key cannot be stored, it is deleted again in AWS and the old
// key stays in the keychain; when even that delete fails, the message says what to delete.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rotateKey } from '../../src/daemon/rotate-key.js';
import type { LongTermKey } from '../../src/domain/credentials.js';
import type { IamGateway } from '../../src/domain/ports.js';
import { decodeKey, encodeKey, keyItem } from '../../src/domain/stored-key.js';
import { MemoryStore } from '../../src/keychain/memory-store.js';

const OLD: LongTermKey = { accessKeyId: 'AKIAOLDKEY0000000001', secretAccessKey: 'o'.repeat(40) };
const NEW: LongTermKey = { accessKeyId: 'AKIANEWKEY0000000002', secretAccessKey: 'n'.repeat(40) };

/** IAM as a list of keys; `deleteFails` makes DeleteAccessKey throw. */
function fakeIam(opts: { deleteFails?: boolean } = {}) {
  const keys = new Set([OLD.accessKeyId]);
  const iam: IamGateway = {
    listAccessKeys: async () => [...keys].map((accessKeyId) => ({ accessKeyId, status: 'Active' })),
    createAccessKey: async () => (keys.add(NEW.accessKeyId), NEW),
    deleteAccessKey: async (_c, id) => {
      if (opts.deleteFails) throw new Error('AccessDenied: not now');
      keys.delete(id);
    },
  };
  return { iam, keys };
}

/** A keychain that holds the old key and refuses every write. */
class ReadOnlyStore extends MemoryStore {
  override async set(): Promise<void> {
    throw new Error('the keychain is locked');
  }
}

async function oldKeyStore(): Promise<ReadOnlyStore> {
  const store = new ReadOnlyStore();
  await MemoryStore.prototype.set.call(store, keyItem('base'), encodeKey(OLD));
  return store;
}

describe('rotateKey when the keychain write fails', () => {
  it('deletes the new key again, keeps the old key in the keychain and in AWS, and says so', async () => {
    const { iam, keys } = fakeIam();
    const store = await oldKeyStore();
    const said: string[] = [];
    await assert.rejects(
      rotateKey('base', OLD, { store, iam, verify: async () => ({ arn: 'arn', account: '1' }), signing: undefined, say: (l) => said.push(l) }),
      (err: Error) => {
        assert.match(err.message, /^The new key could not be stored in the memory.*the keychain is locked\); it was deleted again\. The old key AKIA…0001 is still in the keychain and active\.$/);
        return true;
      },
    );
    assert.deepEqual([...keys], [OLD.accessKeyId], 'the new key is gone from AWS; the old one is still there');
    assert.deepEqual(decodeKey((await store.get(keyItem('base'))) ?? ''), OLD, 'the keychain still holds the old key');
    assert.deepEqual(said, ['created AKIA…0002', 'verified AKIA…0002 with STS']);
  });

  it('when the new key cannot be deleted either, the message gives the command to delete it', async () => {
    const { iam, keys } = fakeIam({ deleteFails: true });
    const store = await oldKeyStore();
    await assert.rejects(
      rotateKey('base', OLD, { store, iam, verify: async () => ({ arn: 'arn', account: '1' }), signing: undefined, say: () => undefined }),
      /it could NOT be deleted — delete it yourself: aws iam delete-access-key --access-key-id AKIANEWKEY0000000002\. The old key AKIA…0001 is still in the keychain and active\.$/,
    );
    assert.ok(keys.has(OLD.accessKeyId));
    assert.deepEqual(decodeKey((await store.get(keyItem('base'))) ?? ''), OLD);
  });
});
