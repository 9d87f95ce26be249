import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainKeyringFailure, isAccessBlocked, type KeyringFailure } from '../../src/keychain/explain-keyring-failure.js';
import { isWsl } from '../../src/keychain/wsl.js';

const linux = (raw: string, extra: Partial<KeyringFailure> = {}): string =>
  explainKeyringFailure({
    platform: 'linux',
    description: 'Secret Service (GNOME Keyring/KWallet)',
    service: 'credd',
    operation: 'save',
    item: 'key:base',
    raw,
    ...extra,
  });

// Raw messages as @napi-rs/keyring 2.1.2 raised them on Linux in each situation.
describe('explainKeyringFailure', () => {
  it('explains a missing bus or Secret Service', () => {
    for (const raw of [
      'Platform failure: DBus error: Failed to connect to socket /run/user/1000/bus: No such file or directory',
      'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
      'zbus error: Failed to connect to address `unix:path=/run/user/0/bus`: No such file or directory (os error 2)',
      'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files',
    ]) {
      assert.match(linux(raw), /^No Secret Service is reachable .* set CREDD_STORE=file/, raw);
    }
  });

  it('explains a locked keyring', () => {
    for (const raw of [
      "Couldn't access platform storage: Secret Service: unlock prompt was dismissed",
      'zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object',
    ]) {
      assert.match(linux(raw), /keyring is locked .*gnome-keyring-daemon --unlock/, raw);
    }
  });

  it('explains a Secret Service without a default keyring', () => {
    assert.match(linux("Couldn't access platform storage: Secret Service: no result found"), /no default keyring/);
  });

  it('explains a hung Secret Service', () => {
    assert.match(linux('Platform failure: DBus error: Did not receive a reply. Possible causes include: ...'), /did not answer/);
  });

  it('falls back to the raw text on one line, naming the item', () => {
    assert.equal(
      linux('Platform failure: something\n  new', { operation: 'read' }),
      'The Secret Service (GNOME Keyring/KWallet) could not read "key:base" (Platform failure: something new).',
    );
  });

  it('knows the macOS situations', () => {
    const mac = (raw: string): string =>
      explainKeyringFailure({ platform: 'darwin', description: 'macOS Keychain', service: 'credd', operation: 'read', item: 'key:base', raw });
    assert.match(mac('Platform failure: User interaction is not allowed.'), /security unlock-keychain/);
    assert.match(mac('Platform failure: The user canceled the operation.'), /Always Allow/);
  });
});

describe('WSL (issue 14)', () => {
  it('tells a WSL user to use the file store with credd unlock when no Secret Service answers', () => {
    const raw = 'Platform failure: DBus error: Failed to connect to socket /run/user/1000/bus: No such file or directory';
    assert.match(linux(raw, { wsl: true }), /^No Secret Service is reachable\. WSL usually has no Secret Service: set CREDD_STORE=file .* run credd unlock/);
    assert.doesNotMatch(linux(raw), /WSL/);
  });

  it('recognises WSL by its environment or its kernel release, and only on Linux', () => {
    assert.equal(isWsl({ WSL_DISTRO_NAME: 'Ubuntu' }, '6.1.0-13-amd64', 'linux'), true);
    assert.equal(isWsl({}, '5.15.153.1-microsoft-standard-WSL2', 'linux'), true);
    assert.equal(isWsl({}, '6.1.0-13-amd64', 'linux'), false);
    assert.equal(isWsl({ WSL_DISTRO_NAME: 'Ubuntu' }, '23.1.0', 'darwin'), false);
  });

  it('counts a macOS denial, a locked keychain and a dismissed Linux prompt as "locked or access denied"', () => {
    assert.equal(isAccessBlocked('darwin', "Couldn't access platform secure storage: User canceled the operation."), true);
    assert.equal(isAccessBlocked('darwin', 'User interaction is not allowed. (-25308)'), true);
    assert.equal(isAccessBlocked('linux', 'Platform failure: the unlock prompt was dismissed'), true);
    assert.equal(isAccessBlocked('linux', 'Platform failure: DBus error: Failed to connect to socket'), false);
  });
});
