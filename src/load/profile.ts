/**
 * Load profiles as data: weighted journeys of HTTP steps, validated with zod. A profile file is
 * YAML or JSON; validation errors name the file, line and column of the offending value.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { parseJsonPath, templateNamesIn } from './template.js';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD) (\/\S*)$/;
/** Variables every session has: the account it logged in with. */
export const ACCOUNT_VARS = ['username', 'password'] as const;

const varName = z.string().regex(VAR_NAME, 'must be a variable name (letters, digits, _)');

const generator = z.union([
  z.strictObject({ oneOf: z.array(z.union([z.string(), z.number()])).min(1, 'needs at least one value') }),
  z
    .strictObject({ intBetween: z.tuple([z.int(), z.int()]) })
    .refine((g) => g.intBetween[0] <= g.intBetween[1], 'intBetween needs [low, high] with low <= high'),
]);

const jsonPath = z.string().superRefine((path, ctx) => {
  try {
    parseJsonPath(path);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const step = z.strictObject({
  request: z.string().regex(REQUEST_LINE, 'must be "<METHOD> /path", e.g. "GET /catalogue/{id}"'),
  /** Stats name; defaults to the path with `{var}` shown as `[var]`. */
  name: z.string().min(1).optional(),
  /** A named base URL other than the host (e.g. `user` for a backend the front-end does not expose). */
  target: varName.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  basicAuth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
  json: z.unknown().optional(),
  /** Statuses that count as success; default any status below 400, as in Locust. */
  expect: z.array(z.int().min(100).max(599)).min(1).optional(),
  /** Variables taken from the JSON response: name → path (`[*].id` picks a random element). */
  extract: z.record(varName, jsonPath).optional(),
});

const journey = z.strictObject({
  name: z.string().min(1),
  weight: z.number().min(0).default(1),
  /** Drop this journey (with a notice) instead of refusing to start when its target is not given. */
  optional: z.boolean().default(false),
  vars: z.record(varName, generator).optional(),
  steps: z.array(step).min(1, 'a journey needs at least one step'),
});

const account = z.strictObject({ username: z.string().min(1), password: z.string() });

export const profileSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Seconds a closed-model user waits between journeys, uniformly in [min, max] (Locust's `between`). */
    thinkTime: z
      .strictObject({ min: z.number().min(0), max: z.number().min(0) })
      .refine((t) => t.min <= t.max, 'thinkTime needs min <= max')
      .optional(),
    /** Accounts sessions log in with, handed out round-robin as `{username}`/`{password}`. */
    accounts: z.array(account).min(1).optional(),
    journeys: z.array(journey).min(1, 'a profile needs at least one journey'),
  })
  .superRefine((profile, ctx) => {
    if (!profile.journeys.some((j) => j.weight > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['journeys'],
        message: 'at least one journey needs a weight above 0',
      });
    }
    const seen = new Set<string>();
    profile.journeys.forEach((j, ji) => {
      if (seen.has(j.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['journeys', ji, 'name'],
          message: `duplicate journey name "${j.name}"`,
        });
      }
      seen.add(j.name);
      checkVariables(profile.accounts !== undefined, j, ji, ctx);
    });
  });

/** Every `{var}` must be defined before use: by the journey's vars, an earlier extract, or the account. */
function checkVariables(
  hasAccounts: boolean,
  j: z.infer<typeof journey>,
  ji: number,
  ctx: z.RefinementCtx,
): void {
  const known = new Set<string>([...Object.keys(j.vars ?? {}), ...(hasAccounts ? ACCOUNT_VARS : [])]);
  j.steps.forEach((s, si) => {
    const used: Array<[string, string]> = [
      ...templateNamesIn(s.request).map((n) => ['request', n] as [string, string]),
      ...templateNamesIn(s.headers ?? {}).map((n) => ['headers', n] as [string, string]),
      ...templateNamesIn(s.basicAuth ?? {}).map((n) => ['basicAuth', n] as [string, string]),
      ...templateNamesIn(s.json ?? null).map((n) => ['json', n] as [string, string]),
    ];
    for (const [field, name] of used) {
      if (known.has(name)) continue;
      const hint = (ACCOUNT_VARS as readonly string[]).includes(name)
        ? ' (add `accounts` to the profile)'
        : ' (define it in vars or extract it in an earlier step)';
      ctx.addIssue({
        code: 'custom',
        path: ['journeys', ji, 'steps', si, field],
        message: `unknown variable {${name}}${hint}`,
      });
    }
    for (const name of Object.keys(s.extract ?? {})) known.add(name);
  });
}

export type Profile = z.infer<typeof profileSchema>;
export type Journey = Profile['journeys'][number];
export type Step = Journey['steps'][number];
export type VarGenerator = z.infer<typeof generator>;

export class ProfileError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
  }
}

/** Validates an already-parsed profile object (the scenario engine's inline profiles). */
export function validateProfile(value: unknown, source = 'profile'): Profile {
  const result = profileSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${source}: ${formatPath(issue.path)}: ${issue.message}`,
  );
  throw new ProfileError(problems.join('\n'), problems);
}

/** Parses YAML (or JSON, which is YAML) profile text; errors carry `source:line:col`. */
export function parseProfileText(text: string, source: string): Profile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `${source}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw new ProfileError(problems.join('\n'), problems);
  }
  const result = profileSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const at = positionOf(doc, lines, issue.path);
    return `${source}:${at}: ${formatPath(issue.path)}: ${issue.message}`;
  });
  throw new ProfileError(problems.join('\n'), problems);
}

export async function loadProfileFile(path: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ProfileError(
      `cannot read profile ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      [],
    );
  }
  return parseProfileText(text, path);
}

/** The line:col of the deepest node on the issue's path that exists in the document. */
function positionOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as Array<string | number>, true);
    if (isNode(node) && node.range) {
      const at = lines.linePos(node.range[0]);
      return `${at.line}:${at.col}`;
    }
  }
  return '1:1';
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}
