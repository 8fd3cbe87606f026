/** `-o json` and `-o yaml` as kubectl prints them: one object as is, several as a v1 List. */
import { stringify } from 'yaml';

/** Keys sorted, as sigs.k8s.io/yaml emits them (it goes through a map). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const asList = (items: unknown[]) => ({
  apiVersion: 'v1',
  items,
  kind: 'List',
  metadata: { resourceVersion: '' },
});

/** json.MarshalIndent(obj, "", "    ") plus a newline. */
export function toJson(value: unknown): string {
  return JSON.stringify(Array.isArray(value) ? asList(value) : value, null, 4) + '\n';
}

/** Block style, sequences not indented under their key, keys sorted. */
export function toYaml(value: unknown): string {
  return stringify(sortKeys(Array.isArray(value) ? asList(value) : value), {
    indentSeq: false,
    lineWidth: 0,
  });
}
