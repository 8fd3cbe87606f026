/**
 * `{var}` templates used in profile paths, headers and bodies, and the tiny JSON path used to pull
 * values out of responses (`[*].id` = the `id` of a random array element, `_embedded.customer[0].id`).
 * Templates are compiled once per profile so a request only joins strings.
 */

export type Vars = Record<string, string>;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Template {
  /** Variable names the template needs. */
  readonly names: readonly string[];
  render(vars: Vars, encode?: (value: string) => string): string;
}

export function compileTemplate(text: string): Template {
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(last, match.index));
    names.push(match[1]);
    last = match.index + match[0].length;
  }
  literals.push(text.slice(last));
  if (names.length === 0) return { names, render: () => text };
  return {
    names,
    render(vars, encode) {
      let out = literals[0];
      for (let i = 0; i < names.length; i++) {
        const value = vars[names[i]] ?? '';
        out += (encode ? encode(value) : value) + literals[i + 1];
      }
      return out;
    },
  };
}

/** The stats name a path template gets by default: `/catalogue/{id}` → `/catalogue/[id]`. */
export function defaultRequestName(path: string): string {
  return path.replace(PLACEHOLDER, '[$1]');
}

/** Variable names used anywhere in a JSON value's strings. */
export function templateNamesIn(value: unknown): string[] {
  if (typeof value === 'string') return compileTemplate(value).names.slice();
  if (Array.isArray(value)) return value.flatMap(templateNamesIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(templateNamesIn);
  return [];
}

/**
 * A JSON body template: strings that are exactly one placeholder take the variable's value, other
 * strings are rendered; numbers, booleans and null stay as written.
 */
export function compileJsonTemplate(value: unknown): (vars: Vars) => string {
  if (templateNamesIn(value).length === 0) {
    const fixed = JSON.stringify(value);
    return () => fixed;
  }
  const build = compileJsonNode(value);
  return (vars) => JSON.stringify(build(vars));
}

function compileJsonNode(value: unknown): (vars: Vars) => unknown {
  if (typeof value === 'string') {
    const template = compileTemplate(value);
    return (vars) => template.render(vars);
  }
  if (Array.isArray(value)) {
    const items = value.map(compileJsonNode);
    return (vars) => items.map((item) => item(vars));
  }
  if (value && typeof value === 'object') {
    const fields = Object.entries(value).map(([key, node]) => [key, compileJsonNode(node)] as const);
    return (vars) => Object.fromEntries(fields.map(([key, node]) => [key, node(vars)]));
  }
  return () => value;
}

/** A field name, an array index, or `{ any: true }` for a random element. */
type PathToken = string | number | { any: true };
const ANY = { any: true } as const;

const PATH_TOKEN = /\[(\*|\d+)\]|\.?([A-Za-z0-9_$-]+)/g;

/** Parses `[*].id`, `items[0].name`, `_embedded.customer[*].id`; throws on anything else. */
export function parseJsonPath(path: string): PathToken[] {
  const tokens: PathToken[] = [];
  let consumed = 0;
  for (const match of path.matchAll(PATH_TOKEN)) {
    if (match.index !== consumed) break;
    if (match[1] !== undefined) tokens.push(match[1] === '*' ? ANY : Number(match[1]));
    else tokens.push(match[2]);
    consumed += match[0].length;
  }
  if (path.length === 0 || consumed !== path.length) {
    throw new Error(`invalid JSON path "${path}" (expected e.g. [*].id or _embedded.customer[0].id)`);
  }
  return tokens;
}

/** Follows a parsed path; `*` picks a random element. Undefined when the shape does not fit. */
export function readJsonPath(value: unknown, tokens: readonly PathToken[], random: () => number): unknown {
  let current = value;
  for (const token of tokens) {
    if (typeof token !== 'string') {
      if (!Array.isArray(current) || current.length === 0) return undefined;
      current = current[typeof token === 'number' ? token : Math.floor(random() * current.length)];
    } else {
      if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
      current = (current as Record<string, unknown>)[token];
    }
  }
  return current;
}
