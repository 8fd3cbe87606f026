/**
 * Reads a real `autoscaling/v2` (or `autoscaling/v1`) HorizontalPodAutoscaler manifest into the v2 spec,
 * applying the apiserver's defaults (minReplicas 1; no metrics → cpu 80%; v1's
 * targetCPUUtilizationPercentage → a cpu Utilization metric). Errors name the field and its line.
 */
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { z } from 'zod';
import { cpuToMillis, memoryToBytes } from '../local/quantity.js';
import { PlatformError, type HorizontalPodAutoscalerSpec, type MetricSpec } from '../types.js';

export interface HpaManifest {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  spec: HorizontalPodAutoscalerSpec;
}

const dnsName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
  );
const int = z.number().int();
const quantity = z.union([z.string(), z.number()]).transform(String);
const resourceName = z.enum(['cpu', 'memory'], { message: 'supported values: "cpu", "memory"' });
const target = z
  .strictObject({
    type: z.enum(['Utilization', 'AverageValue', 'Value']),
    averageUtilization: int.min(1).optional(),
    averageValue: quantity.optional(),
    value: quantity.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.type === 'Utilization' && t.averageUtilization === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['averageUtilization'],
        message: 'must set averageUtilization when type is Utilization',
      });
    }
    if (t.type === 'AverageValue' && t.averageValue === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['averageValue'],
        message: 'must set averageValue when type is AverageValue',
      });
    }
    if (t.type === 'Value') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: 'must be either Utilization or AverageValue for resource metrics',
      });
    }
  });
const metric = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Resource'), resource: z.strictObject({ name: resourceName, target }) }),
  z.strictObject({
    type: z.literal('ContainerResource'),
    containerResource: z.strictObject({ name: resourceName, container: z.string().min(1), target }),
  }),
]);
const policy = z.strictObject({
  type: z.enum(['Pods', 'Percent']),
  value: int.min(1),
  periodSeconds: int.min(1).max(1800),
});
const rules = z.strictObject({
  stabilizationWindowSeconds: int.min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(policy).min(1, 'must specify at least one Policy').optional(),
  tolerance: z.number().min(0).optional(),
});
const scaleTargetRef = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  name: dnsName,
});
const metadata = z.looseObject({
  name: dnsName,
  namespace: dnsName.optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
const v2 = z.looseObject({
  apiVersion: z.enum(['autoscaling/v2', 'autoscaling/v2beta2']),
  kind: z.literal('HorizontalPodAutoscaler'),
  metadata,
  spec: z.strictObject({
    scaleTargetRef,
    minReplicas: int.min(1).optional(),
    maxReplicas: int.min(1),
    metrics: z.array(metric).optional(),
    behavior: z.strictObject({ scaleUp: rules.optional(), scaleDown: rules.optional() }).optional(),
  }),
});
const v1 = z.looseObject({
  apiVersion: z.literal('autoscaling/v1'),
  kind: z.literal('HorizontalPodAutoscaler'),
  metadata,
  spec: z.strictObject({
    scaleTargetRef,
    minReplicas: int.min(1).optional(),
    maxReplicas: int.min(1),
    targetCPUUtilizationPercentage: int.min(1).optional(),
  }),
});
const manifest = z.looseObject({ apiVersion: z.string(), kind: z.string() }).superRefine((m, ctx) => {
  if (m.kind !== 'HorizontalPodAutoscaler') {
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      message: `expected HorizontalPodAutoscaler, got "${m.kind}"`,
    });
  } else if (!['autoscaling/v1', 'autoscaling/v2', 'autoscaling/v2beta2'].includes(m.apiVersion)) {
    ctx.addIssue({
      code: 'custom',
      path: ['apiVersion'],
      message: `no HorizontalPodAutoscaler in version "${m.apiVersion}"`,
    });
  }
});

const cpuDefault = (averageUtilization: number): MetricSpec => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } },
});

/** Where a path points in the source, for messages ("line 12"); the nearest existing parent otherwise. */
function lineOf(doc: Document, counter: LineCounter, path: PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

function fail(
  doc: Document,
  counter: LineCounter,
  path: PropertyKey[],
  message: string,
  fieldPath: PropertyKey[] = path,
): never {
  const line = lineOf(doc, counter, path);
  const field = fieldPath
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  throw new PlatformError(`${line ? `line ${line}: ` : ''}${field ? `${field}: ` : ''}${message}`, 400);
}

export function parseHpaManifest(text: string): HpaManifest {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  if (!Array.isArray(docs)) throw new PlatformError('expected a YAML document', 400);
  const nonEmpty = docs.filter((d) => d.contents !== null);
  if (nonEmpty.length !== 1)
    throw new PlatformError(`expected one HorizontalPodAutoscaler document, got ${nonEmpty.length}`, 400);
  const doc = nonEmpty[0];
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = counter.linePos(yamlError.pos[0]).line;
    throw new PlatformError(`line ${line}: invalid YAML: ${yamlError.message.split('\n')[0]}`, 400);
  }
  const raw: unknown = doc.toJS();
  const check = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    // Point at the offending key itself rather than the object holding it.
    const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    return fail(doc, counter, at, issue.message, issue.path);
  };

  const head = check(manifest, raw);
  let spec: HorizontalPodAutoscalerSpec;
  let meta: z.infer<typeof metadata>;
  if (head.apiVersion === 'autoscaling/v1') {
    const m = check(v1, raw);
    meta = m.metadata;
    const { targetCPUUtilizationPercentage, ...rest } = m.spec;
    spec = { ...rest, metrics: [cpuDefault(targetCPUUtilizationPercentage ?? 80)] };
  } else {
    const m = check(v2, raw);
    meta = m.metadata;
    spec = { ...m.spec, metrics: m.spec.metrics?.length ? m.spec.metrics : [cpuDefault(80)] };
  }
  spec.minReplicas ??= 1;
  if (spec.maxReplicas < spec.minReplicas) {
    fail(
      doc,
      counter,
      ['spec', 'maxReplicas'],
      `Invalid value: ${spec.maxReplicas}: must be greater than or equal to \`minReplicas\``,
    );
  }
  spec.metrics!.forEach((m, i) => {
    const source = m.resource ?? m.containerResource!;
    const value = source.target.averageValue;
    if (value === undefined) return;
    const key = m.type === 'Resource' ? 'resource' : 'containerResource';
    try {
      if (source.name === 'cpu') cpuToMillis(value);
      else memoryToBytes(value);
    } catch (err) {
      fail(doc, counter, ['spec', 'metrics', i, key, 'target', 'averageValue'], (err as Error).message);
    }
  });
  return { name: meta.name, namespace: meta.namespace, labels: meta.labels, spec };
}
