/**
 * The readable side of a deployment's rollout history: what changed between two revisions of its pod
 * template, as short lines ("env POOL_SIZE: 8 → 1", "resources limits.cpu: 500m → 100m", "restarted",
 * "config map shipping-rates: v2 → v3"). Derived from the data alone, like a computed
 * `kubernetes.io/change-cause`; platform-neutral, so any `Platform` implementation can use it.
 */
import type { PodTemplateSpec } from './types.js';

/** What a revision pins: the template, the config-map versions it mounts, and the restart stamp. */
export interface RevisionContent {
  template: PodTemplateSpec;
  configMapVersions: Record<string, number>;
  restartedAt?: string;
}

/** Lines per revision; the rest is counted in one closing "+N more changes" line. */
export const MAX_CHANGE_LINES = 8;
const MAX_VALUE = 60;
const NONE = '(none)';

/** Hides the password of credentials embedded in URLs (store URLs in env values). */
function maskCredentials(value: string): string {
  return value.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s]*@/gi, '$1:***@');
}

function shown(value: string | undefined): string {
  if (value === undefined) return NONE;
  const masked = maskCredentials(value);
  const text = masked.length > MAX_VALUE ? `${masked.slice(0, MAX_VALUE - 1)}…` : masked;
  return text === '' || /^\s|\s$/.test(text) ? JSON.stringify(text) : text;
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Nested plain objects as dotted paths; arrays and scalars as one value. */
function flattenInto(out: Map<string, string>, prefix: string, value: unknown): void {
  if (value === undefined) return;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>))
      flattenInto(out, prefix ? `${prefix}.${key}` : key, inner);
    return;
  }
  out.set(prefix, scalar(value));
}

/** One label → value per template field, in a fixed reading order. */
function fields(content: RevisionContent): Map<string, string> {
  const { container, ...pod } = content.template;
  const out = new Map<string, string>();
  const { command, env, resources, configMaps, ports, ...rest } = container;
  out.set('command', command.join(' '));
  for (const [key, value] of Object.entries(env ?? {})) out.set(`env ${key}`, value);
  for (const kind of ['requests', 'limits'] as const)
    for (const [name, quantity] of Object.entries(resources?.[kind] ?? {}))
      if (quantity !== undefined) out.set(`resources ${kind}.${name}`, quantity);
  if (configMaps?.length)
    out.set(
      'config map mounts',
      configMaps.map((m) => (m.key ? `${m.configMap}/${m.key}` : m.configMap)).join(', '),
    );
  out.set('ports', ports.map((p) => `${p.name}(${p.env})`).join(', '));
  flattenInto(out, '', rest);
  flattenInto(out, '', pod);
  return out;
}

/**
 * What `after` changes relative to `before` (the revision that was current just before it), at most
 * MAX_CHANGE_LINES lines plus a count of the rest. A newer restart stamp reads "restarted"; going
 * back to an older stamp (an undo) is not a restart of its own. Empty when nothing differs.
 */
export function describeRevisionChange(before: RevisionContent, after: RevisionContent): string[] {
  const lines: string[] = [];
  const was = fields(before);
  const now = fields(after);
  for (const key of new Set([...now.keys(), ...was.keys()])) {
    const a = was.get(key);
    const b = now.get(key);
    if (a !== b) lines.push(`${key}: ${shown(a)} → ${shown(b)}`);
  }
  for (const [name, version] of Object.entries(after.configMapVersions)) {
    const previous = before.configMapVersions[name];
    if (previous === undefined) lines.push(`config map ${name} v${version}`);
    else if (previous !== version) lines.push(`config map ${name}: v${previous} → v${version}`);
  }
  if (after.restartedAt && after.restartedAt > (before.restartedAt ?? '')) lines.push('restarted');
  if (lines.length <= MAX_CHANGE_LINES) return lines;
  return [
    ...lines.slice(0, MAX_CHANGE_LINES),
    `+${lines.length - MAX_CHANGE_LINES} more change${lines.length - MAX_CHANGE_LINES === 1 ? '' : 's'}`,
  ];
}
