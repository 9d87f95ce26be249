// A node:test reporter that prints, once the run is over, every skipped test with its reason
// and one closing count line, so a skip never goes unnoticed in a long spec log.
// With CREDD_TEST_PROGRESS set it also keeps the summary so far in that file, the tests still
// running named and counted as failed: a run stopped by the outer timeout never reaches the
// end, and test/run-files.sh prints that file instead.
// Plain JavaScript: node loads reporters before `--import tsx` takes effect.
import fs from 'node:fs';
import path from 'node:path';

/**
 * @typedef {{ name: string, nesting?: number, file?: string, skip?: string | boolean, todo?: string | boolean, details?: { type?: string } }} TestData
 * @param {AsyncIterable<{ type: string, data: TestData }>} source
 * @returns {AsyncGenerator<string>}
 */
export default async function* skipSummary(source) {
  const progressFile = process.env['CREDD_TEST_PROGRESS'];
  /** @type {string[]} */
  const skipped = [];
  /** @type {string[]} */
  const todo = [];
  /** Started and not finished yet, in start order. @type {Map<string, { file: string, nesting: number }>} */
  const running = new Map();
  let passed = 0;
  let failed = 0;
  /** @param {TestData} data */
  const where = (data) => `${data.file !== undefined ? path.relative(process.cwd(), data.file) : '?'}: ${data.name}`;
  /** @param {TestData} data */
  const key = (data) => `${data.nesting ?? 0}\u0000${where(data)}`;
  /** @param {boolean} stopped */
  const render = (stopped) => {
    let out = `\nskipped tests: ${skipped.length}\n${skipped.map((s) => `  - ${s}\n`).join('')}`;
    // A todo test that fails still "passes" in node:test; the suite has none, and one creeping in counts as a failure here.
    if (todo.length > 0) out += `todo tests (counted as failed): ${todo.length}\n${todo.map((s) => `  - ${s}\n`).join('')}`;
    // Only the innermost ones: a suite or file around a running test is running too.
    const all = [...running.entries()];
    const open = stopped ? all.filter(([, t]) => !all.some(([, u]) => u.file === t.file && u.nesting > t.nesting)) : [];
    if (stopped) out += `still running when the run was stopped (counted as failed): ${open.length}\n${open.map(([k]) => `  - ${k.split('\u0000')[1]}\n`).join('')}`;
    return `${out}tests: ${passed} passed, ${failed + todo.length + open.length} failed, ${skipped.length} skipped\n`;
  };
  const save = () => {
    if (progressFile === undefined) return;
    // Aside and renamed: a run killed mid-write still leaves the previous whole summary.
    fs.writeFileSync(`${progressFile}.new`, render(true));
    fs.renameSync(`${progressFile}.new`, progressFile);
  };
  for await (const { type, data } of source) {
    // test:dequeue comes as a test begins to run; test:start only once it begins to report.
    if (type === 'test:dequeue' || type === 'test:start') {
      if (!running.has(key(data))) running.set(key(data), { file: data.file ?? '?', nesting: data.nesting ?? 0 });
      save();
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    running.delete(key(data));
    // A file-level entry (no describe) and suites are containers, not tests.
    if (data.details?.type === 'suite' && !data.skip) {
      save();
      continue;
    }
    if (data.skip !== undefined && data.skip !== false) skipped.push(`${where(data)} — ${data.skip === true ? 'no reason given' : data.skip}`);
    else if (data.todo !== undefined && data.todo !== false) todo.push(`${where(data)} — ${data.todo === true ? 'no reason given' : data.todo}`);
    else if (type === 'test:pass') passed++;
    else failed++;
    save();
  }
  yield render(false);
}
