import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface SealedBox {
  iv: string;
  tag: string;
  ct: string;
}

/**
 * Cost for new stores: 2^17 (128 MiB, a few hundred ms), the work factor password-storage
 * guidance now gives for scrypt. One derivation serves a whole store, once per process, so
 * the cost is paid once per daemon start. Stores made with 2^15 keep their own params.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

// Bounds for params read from disk, so a doctored store.json cannot make us allocate gigabytes:
// scrypt needs 128*N*r bytes; 256 MiB is twice the default.
const MAX_MEMORY = 256 * 1024 * 1024;
const MAX_P = 4;

export function validScryptParams(params: ScryptParams): boolean {
  const { N, r, p } = params;
  const positiveInt = (x: number): boolean => Number.isSafeInteger(x) && x >= 1;
  if (!positiveInt(N) || !positiveInt(r) || !positiveInt(p)) return false;
  return N >= 2 && (N & (N - 1)) === 0 && 128 * N * r <= MAX_MEMORY && p <= MAX_P;
}

/**
 * AES-256-GCM with a key derived from a passphrase by scrypt. Every seal uses a fresh random
 * 96-bit IV; the caller's associated data binds a ciphertext to the place it belongs.
 */
export class FileStoreCipher {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  static async derive(passphrase: string, salt: Buffer, params: ScryptParams): Promise<FileStoreCipher> {
    // Node refuses scrypt once its memory need (about 128*N*r) reaches maxmem, which defaults
    // to 32 MiB: exactly the need of the default parameters. Allow what these need plus slack.
    const maxmem = 128 * params.r * (params.N + params.p + 2) + 16 * 1024 * 1024;
    const key = await new Promise<Buffer>((resolve, reject) => {
      scrypt(passphrase.normalize('NFC'), salt, 32, { ...params, maxmem }, (err, derived) => (err ? reject(err) : resolve(derived)));
    });
    return new FileStoreCipher(key);
  }

  seal(plaintext: string, aad: string): SealedBox {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
  }

  /** The plaintext, or undefined when the box was not sealed with this key and this AAD. */
  open(box: SealedBox, aad: string): string | undefined {
    const iv = Buffer.from(box.iv, 'base64');
    const tag = Buffer.from(box.tag, 'base64');
    if (iv.length !== 12 || tag.length !== 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      const pt = Buffer.concat([decipher.update(Buffer.from(box.ct, 'base64')), decipher.final()]);
      return pt.toString('utf8');
    } catch {
      return undefined;
    }
  }
}
