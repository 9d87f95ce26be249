import { unSd, unXml } from './service-text.js';

/** The node and script an installed unit or plist runs, read back from the file we wrote. */
export interface InstalledCommand {
  node: string;
  script: string;
}

export function installedCommand(platform: 'launchd' | 'systemd', content: string): InstalledCommand | undefined {
  if (platform === 'launchd') {
    const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(content)?.[1] ?? '';
    const [node, script] = [...array.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => unXml(m[1] ?? ''));
    return node !== undefined && script !== undefined ? { node, script } : undefined;
  }
  const line = /^ExecStart=(.*)$/m.exec(content)?.[1] ?? '';
  const [node, script] = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[0]);
  return node !== undefined && script !== undefined ? { node: unSd(node, false), script: unSd(script, true) } : undefined;
}
