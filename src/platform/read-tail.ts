import fs from 'node:fs/promises';

/** The file's last `max` bytes from a line start (a cut first line is dropped, not counted), or ''. */
export async function readTail(file: string, max: number): Promise<string> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const from = Math.max(0, size - max);
    const buf = Buffer.alloc(size - from);
    // The file may shrink meanwhile (rotation): only what was read counts.
    const { bytesRead } = await handle.read(buf, 0, buf.length, from);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return from === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } catch {
    return '';
  } finally {
    await handle.close();
  }
}
