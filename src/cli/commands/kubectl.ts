/**
 * `sockshop-lab kubectl …`: a kubectl-like surface over the running lab's control endpoint. Output
 * comes from src/platform/format (kubectl's tables and describe layouts).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import {
  describeHpa,
  describePod,
  getDeployments,
  getEvents,
  getHpas,
  getPods,
  getServices,
  toJson,
  toYaml,
  topPods,
} from '../../platform/format/index.js';
import { connectToLab, type RemoteLab } from '../../platform/local/remote.js';
import type { ContainerResources, HpaSpecPatch, Platform, ResourceList } from '../../platform/types.js';
import { PlatformError } from '../../platform/types.js';

const KINDS: Record<string, 'pods' | 'deployments' | 'services' | 'hpa' | 'events' | 'configmaps'> = {
  pod: 'pods',
  pods: 'pods',
  po: 'pods',
  deployment: 'deployments',
  deployments: 'deployments',
  deploy: 'deployments',
  service: 'services',
  services: 'services',
  svc: 'services',
  hpa: 'hpa',
  horizontalpodautoscaler: 'hpa',
  horizontalpodautoscalers: 'hpa',
  event: 'events',
  events: 'events',
  ev: 'events',
  configmap: 'configmaps',
  configmaps: 'configmaps',
  cm: 'configmaps',
};

function kindOf(word: string): (typeof KINDS)[string] {
  const kind = KINDS[word.toLowerCase()];
  if (!kind) throw new PlatformError(`the server doesn't have a resource type "${word}"`, 404);
  return kind;
}

/** Accepts `deployment NAME` and `deployment/NAME`. */
function target(kindWord: string, name: string | undefined, expected: string): string {
  const [word, slashName] = kindWord.split('/');
  if (kindOf(word) !== expected)
    throw new PlatformError(`only ${expected} are supported here, not "${word}"`);
  const resolved = slashName ?? name;
  if (!resolved) throw new PlatformError(`a ${expected.replace(/s$/, '')} name is required`);
  return resolved;
}

function lab(command: Command): RemoteLab {
  const home = command.optsWithGlobals<{ home?: string }>().home;
  return connectToLab(home);
}

const out = (text: string) => process.stdout.write(text);

async function warnIfCooperative(remote: RemoteLab): Promise<void> {
  const info = (await remote.info()) as { enforcement?: { mode: string; reason?: string } };
  if (info.enforcement?.mode === 'cooperative') {
    process.stderr.write(
      `Warning: resource limits are NOT enforced (cooperative mode: ${info.enforcement.reason ?? 'no cgroups'})\n`,
    );
  }
}

function printStructured(value: unknown, format: string | undefined): boolean {
  if (format === 'json') out(toJson(value));
  else if (format === 'yaml') out(toYaml(value));
  else return false;
  return true;
}

async function get(
  platform: Platform,
  kind: string,
  name: string | undefined,
  o: { output?: string },
): Promise<void> {
  const now = Date.now();
  const table = { now, wide: o.output === 'wide', namespace: platform.namespace };
  const one = async <T>(value: Promise<T | undefined>, what: string): Promise<T[]> => {
    const found = await value;
    if (!found) throw new PlatformError(`${what} "${name}" not found`, 404);
    return [found];
  };
  switch (kindOf(kind)) {
    case 'pods': {
      const pods = name ? await one(platform.getPod(name), 'pods') : await platform.listPods();
      return void (printStructured(name ? pods[0] : pods, o.output) || out(getPods(pods, table)));
    }
    case 'deployments': {
      const list = name
        ? await one(platform.getDeployment(name), 'deployments.apps')
        : await platform.listDeployments();
      return void (printStructured(name ? list[0] : list, o.output) || out(getDeployments(list, table)));
    }
    case 'services': {
      const list = name ? await one(platform.getService(name), 'services') : await platform.listServices();
      return void (printStructured(name ? list[0] : list, o.output) || out(getServices(list, table)));
    }
    case 'hpa': {
      const list = name
        ? await one(platform.getHpa(name), 'horizontalpodautoscalers.autoscaling')
        : await platform.listHpas();
      return void (printStructured(name ? list[0] : list, o.output) || out(getHpas(list, table)));
    }
    case 'events': {
      const list = await platform.listEvents(name ? { name } : {});
      return void (printStructured(list, o.output) || out(getEvents(list, table)));
    }
    case 'configmaps': {
      if (name) {
        const history = await platform.configMapHistory(name);
        return void out(toYaml(o.output === 'history' ? history : history.at(-1)));
      }
      const list = await platform.listConfigMaps();
      if (printStructured(list, o.output)) return;
      const rows = list.map(
        (c) =>
          `${c.name}\t${Object.keys(c.current.data).length}\tv${c.current.version}\t${c.mountedBy.join(',') || '<none>'}`,
      );
      return void out(['NAME\tDATA\tVERSION\tMOUNTED BY', ...rows].join('\n') + '\n');
    }
  }
}

async function describe(platform: Platform, kind: string, name: string): Promise<void> {
  const now = Date.now();
  switch (kindOf(kind)) {
    case 'pods': {
      const found = await platform.describePod(name);
      if (!found) throw new PlatformError(`pods "${name}" not found`, 404);
      const deployment = await platform.getDeployment(found.object.deployment);
      return void out(describePod(found.object, found.events, now, deployment?.template.container));
    }
    case 'hpa': {
      const found = await platform.describeHpa(name);
      if (!found) throw new PlatformError(`horizontalpodautoscalers.autoscaling "${name}" not found`, 404);
      return void out(describeHpa(found.object, found.events, now));
    }
    case 'deployments': {
      // Integration point: src/platform/format has no `describe deployment` layout yet; YAML + events meanwhile.
      const found = await platform.describeDeployment(name);
      if (!found) throw new PlatformError(`deployments.apps "${name}" not found`, 404);
      out(toYaml(found.object));
      return void out(`Events:\n${getEvents(found.events, { now, namespace: platform.namespace })}`);
    }
    default:
      throw new PlatformError(`describe supports pod, deployment and hpa, not "${kind}"`);
  }
}

/** `cpu=50m,memory=128Mi` → ResourceList. */
function resourceList(text: string): ResourceList {
  const list: ResourceList = {};
  for (const pair of text.split(',')) {
    const [key, value] = pair.split('=');
    if ((key !== 'cpu' && key !== 'memory') || !value) {
      throw new InvalidArgumentError(`expected cpu=<quantity>,memory=<quantity>, got "${pair}"`);
    }
    list[key] = value.trim();
  }
  return list;
}

function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function readManifest(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new PlatformError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export function registerKubectl(program: Command): void {
  const kubectl = program
    .command('kubectl')
    .description(
      'kubectl-like control of the running lab (get, describe, scale, set resources, apply, rollout, logs, top)',
    )
    .option('--home <dir>', 'lab state directory (default $SOCKSHOP_LAB_HOME or ./.lab)');

  kubectl
    .command('get')
    .description('list pods|deployments|services|hpa|events|configmaps, or show one')
    .argument('<resource>', 'pods, deployments, services, hpa, events, configmaps (kubectl short names work)')
    .argument('[name]', 'one object')
    .option('-o, --output <format>', 'wide, json, yaml (configmaps: history)')
    .action(async (resource: string, name: string | undefined, o: { output?: string }, cmd: Command) => {
      const remote = lab(cmd);
      if (kindOf(resource) === 'pods') await warnIfCooperative(remote);
      await get(remote.platform, resource, name, o);
    });

  kubectl
    .command('describe')
    .description('show details and events of a pod, deployment or hpa')
    .argument('<resource>')
    .argument('<name>')
    .action(async (resource: string, name: string, _o: unknown, cmd: Command) =>
      describe(lab(cmd).platform, resource, name),
    );

  kubectl
    .command('scale')
    .description('set the replicas of a deployment')
    .argument('<resource>', 'deployment (or deployment/NAME)')
    .argument('[name]')
    .requiredOption('--replicas <n>', 'desired replicas', nonNegativeInt)
    .action(async (resource: string, name: string | undefined, o: { replicas: number }, cmd: Command) => {
      const deployment = target(resource, name, 'deployments');
      await lab(cmd).platform.scale(deployment, o.replicas);
      out(`deployment.apps/${deployment} scaled\n`);
    });

  const set = kubectl.command('set').description('change a deployment');
  set
    .command('resources')
    .description('set requests/limits of a deployment (rolls its pods)')
    .argument('<resource>', 'deployment (or deployment/NAME)')
    .argument('[name]')
    .option('--limits <list>', 'e.g. cpu=50m,memory=128Mi', resourceList)
    .option('--requests <list>', 'e.g. cpu=10m,memory=64Mi', resourceList)
    .action(
      async (
        resource: string,
        name: string | undefined,
        o: { limits?: ResourceList; requests?: ResourceList },
        cmd: Command,
      ) => {
        const deployment = target(resource, name, 'deployments');
        if (!o.limits && !o.requests) throw new PlatformError('give --limits and/or --requests');
        const change: ContainerResources = {
          ...(o.limits ? { limits: o.limits } : {}),
          ...(o.requests ? { requests: o.requests } : {}),
        };
        await lab(cmd).platform.setResources(deployment, change);
        out(`deployment.apps/${deployment} resource requirements updated\n`);
      },
    );

  kubectl
    .command('apply')
    .description('create or update a HorizontalPodAutoscaler from an autoscaling/v2 (or v1) manifest')
    .requiredOption('-f, --filename <file>', 'manifest file, or - for stdin')
    .action(async (o: { filename: string }, cmd: Command) => {
      const hpa = await lab(cmd).platform.applyHpa(readManifest(o.filename));
      out(`horizontalpodautoscaler.autoscaling/${hpa.metadata.name} configured\n`);
    });

  kubectl
    .command('patch')
    .description('merge-patch an hpa spec')
    .argument('<resource>', 'hpa (or hpa/NAME)')
    .argument('[name]')
    .requiredOption('-p, --patch <json>', 'e.g. \'{"spec":{"maxReplicas":5}}\'')
    .action(async (resource: string, name: string | undefined, o: { patch: string }, cmd: Command) => {
      const hpaName = target(resource, name, 'hpa');
      let body: { spec?: HpaSpecPatch };
      try {
        body = JSON.parse(o.patch) as { spec?: HpaSpecPatch };
      } catch {
        throw new PlatformError('the patch must be JSON, e.g. {"spec":{"maxReplicas":5}}');
      }
      await lab(cmd).platform.patchHpa(hpaName, body.spec ?? {});
      out(`horizontalpodautoscaler.autoscaling/${hpaName} patched\n`);
    });

  kubectl
    .command('delete')
    .description('delete an hpa or a pod (its deployment replaces it)')
    .argument('<resource>', 'hpa or pod')
    .argument('[name]')
    .option('--grace-period <seconds>', 'pods: seconds before SIGKILL', nonNegativeInt)
    .action(async (resource: string, name: string | undefined, o: { gracePeriod?: number }, cmd: Command) => {
      const platform = lab(cmd).platform;
      const kind = kindOf(resource.split('/')[0]);
      if (kind === 'hpa') {
        const hpaName = target(resource, name, 'hpa');
        if (!(await platform.deleteHpa(hpaName)))
          throw new PlatformError(`horizontalpodautoscalers.autoscaling "${hpaName}" not found`, 404);
        return void out(`horizontalpodautoscaler.autoscaling "${hpaName}" deleted\n`);
      }
      const pod = target(resource, name, 'pods');
      if (!(await platform.deletePod(pod, { gracePeriodSeconds: o.gracePeriod })))
        throw new PlatformError(`pods "${pod}" not found`, 404);
      out(`pod "${pod}" deleted\n`);
    });

  kubectl
    .command('rollout')
    .description('rollout restart|undo deployment NAME')
    .argument('<action>', 'restart or undo')
    .argument('<resource>', 'deployment (or deployment/NAME)')
    .argument('[name]')
    .action(async (action: string, resource: string, name: string | undefined, _o: unknown, cmd: Command) => {
      const deployment = target(resource, name, 'deployments');
      const platform = lab(cmd).platform;
      if (action === 'restart') await platform.rolloutRestart(deployment);
      else if (action === 'undo') await platform.rolloutUndo(deployment);
      else throw new PlatformError(`unknown rollout action "${action}" (restart or undo)`);
      out(`deployment.apps/${deployment} ${action === 'restart' ? 'restarted' : 'rolled back'}\n`);
    });

  kubectl
    .command('logs')
    .description("print a pod's logs")
    .argument('<pod>')
    .option('--tail <n>', 'last N lines', (v) => nonNegativeInt(v))
    .option('-p, --previous', 'the previous run of the container')
    .action(async (pod: string, o: { tail?: number; previous?: boolean }, cmd: Command) => {
      const lines = await lab(cmd).platform.podLogs(pod, { tail: o.tail, previous: o.previous });
      out(lines.map((l) => l + '\n').join(''));
    });

  kubectl
    .command('top')
    .description('CPU and memory (working set) of pods')
    .argument('<resource>', 'pods')
    .action(async (resource: string, _o: unknown, cmd: Command) => {
      if (kindOf(resource) !== 'pods') throw new PlatformError('top supports pods');
      const remote = lab(cmd);
      await warnIfCooperative(remote);
      out(topPods(await remote.platform.podUsage(), { namespace: remote.platform.namespace }));
    });
}
