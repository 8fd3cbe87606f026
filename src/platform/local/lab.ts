/**
 * A running lab: the local platform, the given topology applied to it, and the control endpoint
 * recorded in the state file. `stop()` is idempotent and removes everything the lab created.
 */
import type { DeploymentSpec } from '../types.js';
import { startControlServer, type ControlServer } from './control-api.js';
import { LocalPlatform, type LocalPlatformOptions } from './platform.js';

export interface LabOptions extends LocalPlatformOptions {
  deployments: DeploymentSpec[];
  configMaps?: Record<string, Record<string, string>>;
  /** Extra facts served by the control endpoint's /v1/info. */
  info?: () => Record<string, unknown>;
}

export interface Lab {
  platform: LocalPlatform;
  control: ControlServer;
  /** Resolves once the lab has stopped (after `stop()` or a remote shutdown). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const platform = await LocalPlatform.start(options);
  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = () => {
    stopping ??= (async () => {
      await control.close();
      await platform.shutdown();
      resolveStopped();
    })();
    return stopping;
  };
  const control = await startControlServer(platform, {
    info: () => ({
      runId: platform.state.runId,
      pid: process.pid,
      enforcement: platform.enforcement,
      ...options.info?.(),
    }),
    onShutdown: () => void stop(),
  });
  platform.state.recordListener({
    kind: 'control',
    name: 'control',
    port: Number(new URL(control.url).port),
  });
  platform.state.setControl({ url: control.url, token: control.token });
  try {
    await platform.apply(options.deployments, options.configMaps);
  } catch (error) {
    await stop();
    throw error;
  }
  return { platform, control, stopped, stop };
}
