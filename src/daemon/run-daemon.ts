import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../platform/logger.js';
import { profileRegion } from '../config/profile-region.js';
import { ensurePrivateDir } from '../platform/private-files.js';
import { quietSdkNodeWarning } from '../platform/quiet-sdk-warning.js';
import { creddVersion } from '../platform/version.js';
import { buildControl } from '../server/build-control.js';
import { registerScopeControlRoutes } from '../server/scope-control-routes.js';
import { controlApi } from './control-api.js';
import { buildDaemonParts, type DaemonParts } from './daemon-parts.js';
import { writeDaemonInfo } from './daemon-info.js';
import { daemonSettings, type DaemonOptions, type DaemonSettings } from './daemon-settings.js';
import { Lifecycle } from './lifecycle.js';
import { noticeFor } from './notice.js';
import { acquirePidLock } from './pid-lock.js';
import { writePortFile } from './port-file.js';
import { readsStoreAtStart } from './store-from-env.js';
import { portInUseError } from './tcp-defences.js';
import { processAlive } from '../platform/process-alive.js';

export type { DaemonOptions };

/** How often leases of `credd exec` processes that died without saying so are ended. */
const LEASE_SWEEP_MS = 2_000;

export interface RunningDaemon {
  port: number;
  stop(): Promise<void>;
  /** Resolves when the daemon has shut down. */
  done: Promise<void>;
}

/**
 * The composition root: reads its settings, takes the lock, builds the parts and starts them
 * in order. Each started part registers its stop; stop (or a failure half-way through start)
 * stops them newest first.
 */
export async function runDaemon(opts: DaemonOptions = {}): Promise<RunningDaemon> {
  const s = daemonSettings(opts);
  process.umask(0o077);
  quietSdkNodeWarning(s.logger);
  await ensurePrivateDir(s.paths.home);
  const life = new Lifecycle(s.logger);
  life.started('pid lock', await acquirePidLock(s.paths.pidFile, s.paths.controlSocket));
  try {
    // Known once listening; no request reaches a part before that.
    let tcpPort: number | undefined = undefined;
    const parts = await buildDaemonParts(s, () => tcpPort);
    life.started('lease file', () => parts.leaseFile.settled());
    life.started('broker', async () => parts.broker.close());
    life.started('audit log', () => parts.audit.flush());
    tcpPort = await listenTcp(parts.server, s.wantedPort);
    const port = tcpPort;
    // Kept after a stop: `credd init` shells read it at each prompt.
    await writePortFile(s.paths.portFile, port);
    life.started('credential server', () => parts.server.close());
    await start({ s, parts, port, life });
    return { port, stop: () => stopDaemon(s.logger, life), done: life.done };
  } catch (err) {
    await life.stop();
    throw err;
  }
}

interface StartContext {
  s: DaemonSettings;
  parts: DaemonParts;
  port: number;
  life: Lifecycle;
}

/** Lease sweeper, control socket, daemon.json, notice, then the active profile: after this the daemon serves. */
async function start({ s, parts, port, life }: StartContext): Promise<void> {
  const { paths, logger } = s;
  const { broker, notice, store, registry, scopes } = parts;

  // The sweeper runs only while an exec holds a lease: an idle daemon has no timer.
  const stopSweeping = registry.autoSweep(processAlive, LEASE_SWEEP_MS);
  life.started('lease sweeper', async () => stopSweeping());

  await fs.rm(paths.controlSocket, { force: true });
  const startedAt = new Date(s.clock.now());
  const control = buildControl(
    {
      rotateToken: async () => {
        await parts.token.rotate();
        logger.info('auth token rotated; shells need: eval "$(credd env)"');
      },
      ...controlApi({
        broker,
        port: () => port,
        startedAt,
        storeDescription: store.description,
        configFile: s.configFile,
        store,
        env: s.env,
        logger,
        stop: () => void stopDaemon(logger, life),
        changed: () => void notice.update(),
        describeSlot: (slot) => scopes.describe(slot),
        // After the broker's fresh look at the config; as `credd switch` always recorded it (the
        // user's AWS_REGION is not the profile's).
        clientRegion: async (profile) => profileRegion(await parts.snapshot.current(profile), profile, {}),
      }),
    },
    logger,
  );
  registerScopeControlRoutes(control, scopes);
  await control.listen({ path: paths.controlSocket });
  life.started('control socket', async () => {
    await control.close();
    await fs.rm(paths.controlSocket, { force: true });
  });
  await fs.chmod(paths.controlSocket, 0o600);

  await writeDaemonInfo(paths.daemonInfo, { pid: process.pid, port, startedAt: startedAt.toISOString(), version: creddVersion(), ...(s.logFile !== undefined && { logFile: s.logFile }) });
  life.started('daemon.json', () => fs.rm(paths.daemonInfo, { force: true }));

  // The notice's timer is also the tick on which a sleep (wall-clock jump) is noticed.
  void notice.start(() => {
    broker.checkClock();
    return noticeFor(scopes.userView(broker.view()), store.state);
  });
  life.started('notice', () => notice.stop());

  // No keychain read at login on macOS (a dialog nobody asked for): see readsStoreAtStart.
  broker.restoreActive(parts.state.activeProfile, readsStoreAtStart(process.platform, store));
  logger.info(
    { port, home: paths.home, store: store.description, active: parts.state.activeProfile ?? null, imds: parts.defences.imds.enabled, peerUidCheck: parts.defences.peerUid !== undefined },
    'credd daemon listening on 127.0.0.1',
  );
}

/** A signal, the control API or the caller: the first says so in the log, all wait for the same stop. */
function stopDaemon(logger: Logger, life: Lifecycle): Promise<void> {
  if (!life.stopping) logger.info('credd daemon stopping');
  return life.stop();
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
