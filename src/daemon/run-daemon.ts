import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { CredentialBroker } from '../broker/credential-broker.js';
import { errorMessage } from '../domain/errors.js';
import { systemClock } from '../platform/clock.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { awsConfigFile, awsCredentialsFile, creddPaths, defaultCreddHome } from '../platform/paths.js';
import { ensurePrivateDir } from '../platform/private-files.js';
import { writeFileAtomic } from '../platform/write-file-atomic.js';
import { runCommand } from '../platform/run-command.js';
import { quietSdkNodeWarning } from '../platform/quiet-sdk-warning.js';
import { portFromEnv, processTimeoutMs } from '../platform/settings.js';
import { creddVersion } from '../platform/version.js';
import { buildControl } from '../server/build-control.js';
import { buildServer } from '../server/build-server.js';
import { AmbientCredentials } from '../aws/ambient-credentials.js';
import { CredentialProcess } from '../aws/credential-process.js';
import { LoginCredentials } from '../aws/login-credentials.js';
import { SdkStsGateway } from '../aws/sdk-sts-gateway.js';
import { SsoCredentials } from '../aws/sso-credentials.js';
import { scrubSecrets } from '../platform/child-env.js';
import { loadOrCreateToken, rotateToken } from './auth-token.js';
import { SessionGate } from './session-gate.js';
import { portInUseError, tcpDefences } from './tcp-defences.js';
import { controlApi } from './control-api.js';
import { AuditLog } from './audit-log.js';
import { loadState, saveState } from './daemon-state.js';
import { noticeFor } from './notice.js';
import { NoticeWriter } from './notice-writer.js';
import { acquirePidLock } from './pid-lock.js';
import { writePortFile } from './port-file.js';
import { daemonStoreFromEnv } from './store-from-env.js';
import { registerScopeControlRoutes } from '../server/scope-control-routes.js';
import { scopeControl } from './scope-control.js';
import { processAlive, ScopeRegistry } from './scope-registry.js';
import { ScopedProfiles } from './scoped-profiles.js';

/** How often leases of `credd exec` processes that died without saying so are ended. */
const LEASE_SWEEP_MS = 2_000;

export interface DaemonOptions {
  port?: number;
  /** Serve IMDS without a session token (IMDSv1), for old clients. */
  imdsV1?: boolean;
  /** `--imds` / `--no-imds`; undefined: on where the peer uid can be checked (Linux), else off. */
  imds?: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Where this daemon logs, recorded in daemon.json for `credd logs`. */
  logFile?: string;
}

export interface RunningDaemon {
  port: number;
  stop(): Promise<void>;
  /** Resolves when the daemon has shut down. */
  done: Promise<void>;
}

/** The composition root: builds the real parts, listens, and shuts down cleanly. */
export async function runDaemon(opts: DaemonOptions = {}): Promise<RunningDaemon> {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger();
  const paths = creddPaths(defaultCreddHome(env));
  const configFile = awsConfigFile(env);
  const wantedPort = opts.port ?? portFromEnv(env);
  process.umask(0o077);
  quietSdkNodeWarning(logger);
  await ensurePrivateDir(paths.home);
  const releaseLock = await acquirePidLock(paths.pidFile, paths.controlSocket);
  const cleanups: Array<() => Promise<unknown>> = [releaseLock];
  const runCleanups = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch((err) => logger.warn({ err: errorMessage(err) }, 'cleanup failed'));
  };
  try {
    const { token: firstToken, recreated } = await loadOrCreateToken(paths.home, paths.token);
    let token = firstToken;
    if (recreated === 'corrupt') logger.warn('the auth token file was unreadable and has been replaced; shells need: eval "$(credd env)"');
    const store = daemonStoreFromEnv(
      paths,
      env,
      (message) => logger.warn(message),
      // Locked or open again: the prompt hook's notice follows at once.
      () => setImmediate(() => void notice.update()),
    );
    // The store keeps its own copy; children of the daemon must never inherit the passphrase.
    scrubSecrets(env);
    if (env !== process.env) scrubSecrets(process.env);
    const defences = await tcpDefences(opts.imds, env);
    const state = await loadState(paths.state);
    const listening: { port?: number } = {};
    const registry = new ScopeRegistry();
    const profiles = new ScopedProfiles(configFile, env, registry, sessionName());
    const broker = new CredentialBroker({
      loadProfile: (name) => profiles.load(name),
      store,
      sts: new SdkStsGateway(),
      clock: systemClock,
      logger,
      roleSessionName: sessionName(),
      runCommand,
      sso: new SsoCredentials(env, logger),
      process: new CredentialProcess({ timeoutMs: processTimeoutMs(env), env }),
      ambient: new AmbientCredentials({ env, ownPort: () => listening.port }),
      readTextFile: (file) => fs.readFile(file, 'utf8'),
      login: new LoginCredentials(env, { configFile, credentialsFile: awsCredentialsFile(env) }),
      onNoticeChange: () => setImmediate(() => void notice.update()),
      onActiveChange: (profile) => {
        saveState(paths.state, profile === undefined ? {} : { activeProfile: profile }).catch((err) =>
          logger.warn({ err: errorMessage(err) }, 'could not save the active profile'),
        );
      },
    });
    cleanups.push(async () => broker.close());
    // The notice's timer is also the tick on which a sleep (wall-clock jump) is noticed.
    const notice = new NoticeWriter(
      paths.notice,
      () => {
        broker.checkClock();
        return noticeFor(broker.view(), store.state);
      },
      logger,
    );

    const auditSecrets = [token];
    const audit = new AuditLog(paths.audit, () => listening.port ?? 0, logger, undefined, undefined, auditSecrets);
    cleanups.push(() => audit.flush());
    const scopes = scopeControl({ registry, profiles, broker, token: () => token, port: () => listening.port ?? 0, now: Date.now });
    const sweeper = setInterval(() => registry.sweep(processAlive), LEASE_SWEEP_MS);
    sweeper.unref();
    cleanups.push(async () => clearInterval(sweeper));
    const server = buildServer({
      audit,
      scoped: { lease: (id) => scopes.lease(id), serve: (slot) => broker.serve(slot) },
      scopeOf: (profile) => profiles.labelOf(profile),
      credentials: new SessionGate(broker, configFile),
      token: () => token,
      logger,
      port: () => listening.port,
      ...(defences.peerUid && { peerUid: defences.peerUid }),
      imds: { ...defences.imds, allowV1: opts.imdsV1 ?? env['CREDD_IMDS_V1'] === 'true', defaultRegion: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1' },
      extraHosts: (env['CREDD_ALLOWED_HOSTS'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== ''),
    });
    const port = await listenTcp(server, wantedPort);
    listening.port = port;
    await writePortFile(paths.portFile, port);
    cleanups.push(() => server.close());

    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        logger.info('credd daemon stopping');
        await runCleanups();
        resolveDone();
      })();
      return stopping;
    };

    await fs.rm(paths.controlSocket, { force: true });
    const startedAt = new Date();
    const rotate = async (): Promise<void> => {
      token = await rotateToken(paths.home, paths.token);
      auditSecrets.push(token);
      logger.info('auth token rotated; shells need: eval "$(credd env)"');
    };
    const control = buildControl(
      { rotateToken: rotate, ...controlApi({
        broker,
        port: () => port,
        startedAt,
        storeDescription: store.description,
        configFile,
        store,
        env,
        logger,
        stop: () => void stop(),
        changed: () => void notice.update(),
        describeSlot: (slot) => scopes.describe(slot),
      }) },
      logger,
    );
    registerScopeControlRoutes(control, scopes);
    await control.listen({ path: paths.controlSocket });
    await fs.chmod(paths.controlSocket, 0o600);
    cleanups.push(async () => {
      await control.close();
      await fs.rm(paths.controlSocket, { force: true });
    });

    await writeFileAtomic(
      paths.daemonInfo,
      JSON.stringify({ pid: process.pid, port, startedAt: startedAt.toISOString(), version: creddVersion(), ...(opts.logFile !== undefined && { logFile: opts.logFile }) }),
    );
    cleanups.push(() => fs.rm(paths.daemonInfo, { force: true }));

    notice.start();
    cleanups.push(() => notice.stop());

    // On macOS a read at login would put a keychain dialog in front of a user who has not done
    // anything yet (after every node upgrade): there the first request or `credd switch` reads it.
    broker.restoreActive(state.activeProfile, !(process.platform === 'darwin' && !store.needsPassphrase));
    logger.info({ port, home: paths.home, store: store.description, active: state.activeProfile ?? null, imds: defences.imds.enabled, peerUidCheck: defences.peerUid !== undefined }, 'credd daemon listening on 127.0.0.1');
    return { port, stop, done };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}

async function listenTcp(server: FastifyInstance, port: number): Promise<number> {
  try {
    await server.listen({ host: '127.0.0.1', port });
    return (server.server.address() as AddressInfo).port;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw await portInUseError(port);
    throw err;
  }
}

/** Shows up in CloudTrail as the session name: who, and that it came through credd. */
function sessionName(): string {
  let user = 'user';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the placeholder
  }
  return `credd-${user}`.replace(/[^\w+=,.@-]/g, '_').slice(0, 64);
}
