/**
 * Puts the lab back as it was before a run, so that one agent's changes never leak into the next
 * run: the fault engine reverts only the fault, while an agent may have scaled, resized, re-configured,
 * added or removed HPAs, pushed config maps or left queue policies and mesh rules behind. Captured
 * before the baseline; restored after the runner's revert. Only what differs is touched.
 */
import { stringify } from 'yaml';
import type { RunLab } from '../scenarios/runner-lab.js';
import { waitLabReady } from '../scenarios/runner-lab.js';
import type { ContainerResources, HorizontalPodAutoscalerSpec } from '../platform/types.js';

export interface LabState {
  deployments: Record<
    string,
    { replicas: number; resources?: ContainerResources; env: Record<string, string> }
  >;
  hpas: Record<string, HorizontalPodAutoscalerSpec>;
  configMaps: Record<string, Record<string, string>>;
  meshRules: string[];
  policies: string[];
}

export async function captureLabState(lab: RunLab): Promise<LabState> {
  const { platform } = lab;
  const deployments: LabState['deployments'] = {};
  for (const d of await platform.listDeployments())
    deployments[d.name] = {
      replicas: d.replicas,
      ...(d.template.container.resources
        ? { resources: structuredClone(d.template.container.resources) }
        : {}),
      env: { ...d.template.container.env },
    };
  const hpas: LabState['hpas'] = {};
  for (const h of await platform.listHpas()) hpas[h.metadata.name] = structuredClone(h.spec);
  const configMaps: LabState['configMaps'] = {};
  for (const c of await platform.listConfigMaps()) configMaps[c.name] = { ...c.current.data };
  return {
    deployments,
    hpas,
    configMaps,
    meshRules: (await platform.listMeshRules()).map((r) => r.id),
    policies: (await lab.ctx.broker?.listPolicies().catch(() => []))?.map((p) => p.name) ?? [],
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

/** Restores `state`; returns one line per change made (empty when nothing had changed). */
export async function restoreLabState(
  lab: RunLab,
  state: LabState,
  readyTimeoutMs = 120_000,
): Promise<string[]> {
  const { platform } = lab;
  const done: string[] = [];
  for (const rule of await platform.listMeshRules())
    if (!state.meshRules.includes(rule.id)) {
      await platform.removeMeshRule(rule.id);
      done.push(`removed mesh rule ${rule.source}->${rule.destination}`);
    }
  for (const p of (await lab.ctx.broker?.listPolicies().catch(() => [])) ?? [])
    if (!state.policies.includes(p.name)) {
      await lab.ctx.broker!.clearPolicy(p.name);
      done.push(`cleared queue policy ${p.name}`);
    }
  const hpasNow = new Map((await platform.listHpas()).map((h) => [h.metadata.name, h.spec]));
  for (const name of hpasNow.keys())
    if (!(name in state.hpas)) {
      await platform.deleteHpa(name);
      done.push(`deleted HPA ${name}`);
    }
  for (const [name, spec] of Object.entries(state.hpas))
    if (!same(hpasNow.get(name), spec)) {
      if (hpasNow.has(name)) await platform.deleteHpa(name);
      await platform.applyHpa(
        stringify({
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name },
          spec,
        }),
      );
      done.push(`restored HPA ${name}`);
    }
  for (const c of await platform.listConfigMaps()) {
    const before = state.configMaps[c.name];
    if (before && !same(before, c.current.data)) {
      await platform.setConfigMap(c.name, before);
      done.push(`restored config map ${c.name}`);
    }
  }
  for (const d of await platform.listDeployments()) {
    const before = state.deployments[d.name];
    if (!before) continue;
    const env = d.template.container.env ?? {};
    if (!same(env, before.env) && platform.setEnv) {
      const patch: Record<string, string | null> = { ...before.env };
      for (const k of Object.keys(env)) if (!(k in before.env)) patch[k] = null;
      await platform.setEnv(d.name, patch);
      done.push(`restored env of ${d.name}`);
    }
    if (!same(d.template.container.resources, before.resources)) {
      await platform.setResources(d.name, before.resources ?? {}, { replace: true });
      done.push(`restored resources of ${d.name}`);
    }
    // HPAs own their targets' replicas; the restored HPA sets them
    const owned = Object.values(state.hpas).some((h) => h.scaleTargetRef.name === d.name);
    if (!owned && d.replicas !== before.replicas) {
      await platform.scale(d.name, before.replicas);
      done.push(`scaled ${d.name} back to ${before.replicas}`);
    }
  }
  if (done.length) await waitLabReady(platform, readyTimeoutMs);
  return done;
}
