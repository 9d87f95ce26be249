/** One `[profile]` section of ~/.aws/credentials, with where its lines are. */
export interface CredentialsSection {
  name: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  hasSessionToken: boolean;
  header: number;
  /** Line indexes of aws_access_key_id / aws_secret_access_key. */
  keyLines: number[];
  /** Other `key = value` lines (region, …) that keep the section alive after the keys go. */
  otherSettings: number;
}

// The credentials file names sections plainly: `[profile x]` there is a profile called "profile x".
const HEADER = /^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$/;
const SETTING = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/;

/** Reads sections line by line so the file can be rewritten with everything else untouched. */
export function parseCredentialsFile(text: string): CredentialsSection[] {
  const sections: CredentialsSection[] = [];
  let current: CredentialsSection | undefined;
  text.split('\n').forEach((line, i) => {
    const header = HEADER.exec(line);
    if (header) {
      current = { name: header[1] ?? '', hasSessionToken: false, header: i, keyLines: [], otherSettings: 0 };
      sections.push(current);
      return;
    }
    const setting = SETTING.exec(line);
    if (!current || !setting || /^\s*[#;]/.test(line)) return;
    const key = (setting[1] ?? '').toLowerCase();
    const value = setting[2] ?? '';
    if (key === 'aws_access_key_id') {
      current.accessKeyId = value;
      current.keyLines.push(i);
    } else if (key === 'aws_secret_access_key') {
      current.secretAccessKey = value;
      current.keyLines.push(i);
    } else {
      if (key === 'aws_session_token' || key === 'aws_security_token') current.hasSessionToken = true;
      current.otherSettings++;
    }
  });
  return sections;
}

/**
 * The file without the key lines of `names`; a section left with no settings loses its
 * header too. Comments, blank lines and every other section stay exactly as they were.
 */
export function withoutKeys(text: string, names: ReadonlySet<string>): string {
  const drop = new Set<number>();
  for (const s of parseCredentialsFile(text)) {
    if (!names.has(s.name)) continue;
    for (const i of s.keyLines) drop.add(i);
    if (s.otherSettings === 0) drop.add(s.header);
  }
  return text
    .split('\n')
    .filter((_, i) => !drop.has(i))
    .join('\n');
}
