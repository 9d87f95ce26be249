/**
 * Splits a command line into argv the way the AWS CLI does for credential_process on
 * POSIX (Python's shlex.split): whitespace separates words; '…' is literal; in "…" a
 * backslash escapes only " and \; outside quotes a backslash escapes any character.
 * No expansion of any kind: the command is never given to a shell. Returns a reason
 * string instead of argv when the line cannot be split.
 */
export function splitCommand(line: string): string[] | { problem: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i] ?? '';
      else word += c;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { problem: 'it ends with a lone backslash' };
      word += line[++i] ?? '';
      inWord = true;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) return { problem: `a ${quote === '"' ? 'double' : 'single'} quote is not closed` };
  if (inWord) words.push(word);
  if (words.length === 0) return { problem: 'it is empty' };
  return words;
}
