// A node:test reporter that prints, once the run is over, every skipped test with its reason
// and one closing count line, so a skip never goes unnoticed in a long spec log.
// Plain JavaScript: node loads reporters before `--import tsx` takes effect.
import path from 'node:path';

/**
 * @param {AsyncIterable<{ type: string, data: { name: string, file?: string, skip?: string | boolean, todo?: string | boolean, details?: { type?: string } } }>} source
 * @returns {AsyncGenerator<string>}
 */
export default async function* skipSummary(source) {
  /** @type {string[]} */
  const skipped = [];
  /** @type {string[]} */
  const todo = [];
  let passed = 0;
  let failed = 0;
  for await (const { type, data } of source) {
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    // A file-level entry (no describe) and suites are containers, not tests.
    if (data.details?.type === 'suite' && !data.skip) continue;
    const where = `${data.file !== undefined ? path.relative(process.cwd(), data.file) : '?'}: ${data.name}`;
    if (data.skip !== undefined && data.skip !== false) skipped.push(`${where} — ${data.skip === true ? 'no reason given' : data.skip}`);
    else if (data.todo !== undefined && data.todo !== false) todo.push(`${where} — ${data.todo === true ? 'no reason given' : data.todo}`);
    else if (type === 'test:pass') passed++;
    else failed++;
  }
  let out = `\nskipped tests: ${skipped.length}\n${skipped.map((s) => `  - ${s}\n`).join('')}`;
  // A todo test that fails still "passes" in node:test; the suite has none, and one creeping in counts as a failure here.
  if (todo.length > 0) out += `todo tests (counted as failed): ${todo.length}\n${todo.map((s) => `  - ${s}\n`).join('')}`;
  yield `${out}tests: ${passed} passed, ${failed + todo.length} failed, ${skipped.length} skipped\n`;
}
