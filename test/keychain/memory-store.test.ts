import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/keychain/memory-store.js';

describe('MemoryStore', () => {
  it('behaves like a SecretStore', async () => {
    const store = new MemoryStore([['key:seed', 'seeded']]);
    assert.equal(store.description, 'memory');
    assert.equal(await store.get('key:seed'), 'seeded');
    assert.equal(await store.get('key:missing'), undefined);
    await store.set('key:base', 'one');
    await store.set('key:base', 'two');
    assert.equal(await store.get('key:base'), 'two');
    assert.deepEqual(await store.list(), ['key:base', 'key:seed']);
    assert.equal(await store.delete('key:base'), true);
    assert.equal(await store.delete('key:base'), false);
    assert.deepEqual(await store.list(), ['key:seed']);
  });
});
