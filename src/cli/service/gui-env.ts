/*
 * Apps started from the Dock or a desktop launcher never run the shell rc, so they never see
 * `credd env`. macOS: `launchctl setenv` sets a variable for every process launchd starts in
 * the user's domain from then on (launchctl(1), "setenv"); Linux: `systemctl --user
 * set-environment` does the same for the user manager (systemctl(1)). Both last until logout.
 * The token goes by file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE), so it never appears in argv.
 */
const URI = 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
const TOKEN_FILE = 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE';

export function guiEnvCommands(platform: 'launchd' | 'systemd', port: number, tokenFile: string): { set: string[][]; unset: string[][] } {
  const uri = `http://127.0.0.1:${port}/v1/credentials`;
  if (platform === 'launchd') {
    return {
      set: [
        ['launchctl', 'setenv', URI, uri],
        ['launchctl', 'setenv', TOKEN_FILE, tokenFile],
      ],
      unset: [
        ['launchctl', 'unsetenv', URI],
        ['launchctl', 'unsetenv', TOKEN_FILE],
      ],
    };
  }
  return {
    set: [['systemctl', '--user', 'set-environment', `${URI}=${uri}`, `${TOKEN_FILE}=${tokenFile}`]],
    unset: [['systemctl', '--user', 'unset-environment', URI, TOKEN_FILE]],
  };
}
