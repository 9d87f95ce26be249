import fs from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { AmbientCredentials } from '../aws/ambient-credentials.js';
import { CredentialProcess } from '../aws/credential-process.js';
import { LoginCredentials } from '../aws/login-credentials.js';
import { SdkStsGateway } from '../aws/sdk-sts-gateway.js';
import { SsoCredentials } from '../aws/sso-credentials.js';
import { CredentialBroker } from '../broker/credential-broker.js';
import { errorMessage } from '../domain/errors.js';
import { scrubSecrets } from '../platform/child-env.js';
import { runCommand } from '../platform/run-command.js';
import { buildServer } from '../server/build-server.js';
import { AuditLog } from './audit-log.js';
import { loadState, saveState, type PersistedState } from './daemon-state.js';
import type { DaemonSettings } from './daemon-settings.js';
import { DaemonToken } from './daemon-token.js';
import { NoticeWriter } from './notice-writer.js';
import { scopeControl } from './scope-control.js';
import { ScopeLeaseFile } from './scope-lease-file.js';
import { ScopeRegistry } from './scope-registry.js';
import { ScopedProfiles } from './scoped-profiles.js';
import { SessionGate } from './session-gate.js';
import { ConfigSnapshot } from '../config/config-snapshot.js';
import type { GuardedStore } from '../keychain/guarded-store.js';
import { daemonStoreFromEnv } from './store-from-env.js';
import { tcpDefences, type TcpDefences } from './tcp-defences.js';
import { processAlive } from '../platform/process-alive.js';

/** The daemon's parts, built and wired to each other, none of them listening or ticking yet. */
export interface DaemonParts {
  token: DaemonToken;
  store: GuardedStore;
  state: PersistedState;
  defences: TcpDefences;
  registry: ScopeRegistry;
  leaseFile: ScopeLeaseFile;
  broker: CredentialBroker;
  notice: NoticeWriter;
  audit: AuditLog;
  scopes: ReturnType<typeof scopeControl>;
  server: FastifyInstance;
  /** The daemon's one copy of the AWS config. */
  snapshot: ConfigSnapshot;
}

/**
 * Builds the real parts from the settings. Reads files (token, state) but starts nothing.
 * `port` is the TCP port once listening; no request reaches a part before that.
 */
export async function buildDaemonParts(s: DaemonSettings, port: () => number | undefined): Promise<DaemonParts> {
  const { env, logger, paths, configFile, clock } = s;
  const token = await DaemonToken.load({ home: paths.home, file: paths.token, logger });
  // Built first: the store and the broker tell it when something the user sees has changed.
  const notice = new NoticeWriter(paths.notice, logger);
  const noticeChanged = (): void => void setImmediate(() => void notice.update());
  const store = daemonStoreFromEnv(paths, env, { warn: (message) => logger.warn(message), onChange: noticeChanged, clock });
  // The store keeps its own copy; children of the daemon must never inherit the passphrase.
  scrubSecrets(env);
  if (env !== process.env) scrubSecrets(process.env);
  const defences = await tcpDefences(s.imdsFlag, env);
  const state = await loadState(paths.state);
  // Live `credd exec` leases outlive a restart, as the token does: running children keep their URL.
  const leaseFile = new ScopeLeaseFile(ScopeLeaseFile.in(paths.home), () => registry.snapshot(), (m) => logger.warn(m));
  const registry = new ScopeRegistry(() => leaseFile.changed());
  const before = await leaseFile.load();
  const restored = registry.restore(before, processAlive);
  if (restored > 0) logger.info({ leases: restored }, 'credd exec leases from before the restart taken back');
  // Leases of execs that ended while the daemon was down are dropped from the file too.
  if (restored !== before.leases.length) leaseFile.changed();
  // One copy of the config for the broker and the session gate: a cached request reads no file.
  const snapshot = new ConfigSnapshot({ configFile, credentialsFile: s.credentialsFile });
  const profiles = new ScopedProfiles(snapshot, env, registry, s.roleSessionName);
  const broker = new CredentialBroker({
    loadProfile: (name) => profiles.load(name),
    configGeneration: (fresh) => profiles.generation(fresh),
    store,
    sts: new SdkStsGateway(),
    clock,
    logger,
    roleSessionName: s.roleSessionName,
    runCommand,
    sso: new SsoCredentials(env, logger, clock),
    process: new CredentialProcess({ timeoutMs: s.processTimeoutMs, env, clock }),
    ambient: new AmbientCredentials({ env, ownPort: port }),
    readTextFile: (file) => fs.readFile(file, 'utf8'),
    login: new LoginCredentials(env, { configFile, credentialsFile: s.credentialsFile }),
    onNoticeChange: noticeChanged,
    onActiveChange: (profile) => {
      saveState(paths.state, profile === undefined ? {} : { activeProfile: profile }).catch((err) =>
        logger.warn({ err: errorMessage(err) }, 'could not save the active profile'),
      );
    },
  });
  const audit = new AuditLog({ file: paths.audit, logger, secrets: () => token.everIssued(), clock });
  const scopes = scopeControl({ registry, profiles, broker, token: () => token.current(), port: () => port() ?? 0, now: clock.now });
  const server = buildServer({
    audit,
    scoped: { lease: (id) => scopes.lease(id), serve: (slot) => broker.serve(slot) },
    scopeOf: (profile) => profiles.labelOf(profile),
    credentials: new SessionGate(broker, snapshot),
    token: () => token.current(),
    logger,
    port,
    now: clock.now,
    ...(defences.peerUid && { peerUid: defences.peerUid }),
    imds: { ...defences.imds, allowV1: s.imdsV1, defaultRegion: s.defaultRegion },
    extraHosts: s.extraHosts,
  });
  return { token, store, state, defences, registry, leaseFile, broker, notice, audit, scopes, server, snapshot };
}
