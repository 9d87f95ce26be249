import { writeFileAtomic } from '../platform/write-file-atomic.js';

/**
 * Records the port the daemon listens on in a file that outlives it: the `credd init` shell
 * snippet reads it at each prompt with a builtin `read` (no process, no JSON), so shells follow
 * a restart on another port. One line, digits only.
 */
export async function writePortFile(file: string, port: number): Promise<void> {
  await writeFileAtomic(file, `${port}\n`);
}
