/**
 * The Node releases credd runs on, as package.json "engines" says: "^20.19 || >=22.12".
 * Both halves are the releases where a CommonJS `require` loads an ES-module package without a
 * flag (Node 20.19.0, 22.12.0; Node's release notes) — the `credd` bin is CommonJS and
 * requires its packages — and where process.getBuiltinModule exists (20.16, 22.3), which the
 * CLI and the keychain helper use. Node 21 and 22.0–22.11 lack one or both.
 */
export function nodeSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
}

/**
 * First thing each entry runs: on an unsupported Node, one line that names the fix instead of a
 * TypeError from deep inside a command (npm only warns about "engines" when installing).
 */
export function exitUnlessNodeSupported(): void {
  if (nodeSupported(process.versions.node)) return;
  process.stderr.write(`credd: needs Node 20.19+ (line 20) or 22.12+; this is Node ${process.versions.node}. Install a current Node LTS.\n`);
  process.exit(1);
}
