// Prints the current TOTP code for a base32 secret: a stand-in for `ykman oath accounts code`
// in mfa_process tests. Plain JS so it starts fast.
import { createHmac } from 'node:crypto';

const secret = process.argv[2] ?? '';
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
let bits = '';
for (const ch of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
const step = Math.floor((Date.now() + Number(process.argv[3] ?? 0)) / 30_000);
const counter = Buffer.alloc(8);
counter.writeBigUInt64BE(BigInt(step));
const h = createHmac('sha1', key).update(counter).digest();
const offset = h[h.length - 1] & 0xf;
const code = (h.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
process.stdout.write(`${String(code).padStart(6, '0')}\n`);
