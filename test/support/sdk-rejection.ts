// What the emulator tests read from an SDK call that failed: the SDK's metadata and the
// fields each service's error body fills in.
import assert from 'node:assert/strict';

export type SdkError = Error & {
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: string;
  Code?: string;
  code?: string;
  error?: string;
  error_description?: string;
};

/** Runs `fn` expecting it to fail; returns the error. */
export async function rejects(fn: () => Promise<unknown>): Promise<SdkError> {
  try {
    await fn();
  } catch (err) {
    return err as SdkError;
  }
  assert.fail('expected the call to fail');
}
