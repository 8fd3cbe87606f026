/**
 * Loads scenario files: YAML → schema → each fault step's parameters against its primitive → PromQL
 * expressions through the PromQL parser → the load profile. Every problem is reported as
 * `file:line:col: path: message`, all of them at once, so a user writing a scenario fixes it in one go.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { FAULTS } from '../faults/registry.js';
import { builtinProfile } from '../load/builtin-profiles.js';
import { validateProfile, ProfileError, type Profile } from '../load/profile.js';
import { ParseError, parsePromql } from '../telemetry/promql/parser.js';
import { scenarioSchema, type Scenario } from './schema.js';

type Path = ReadonlyArray<PropertyKey>;

export interface ScenarioProblem {
  line: number;
  col: number;
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly source: string,
    readonly problems: ScenarioProblem[],
  ) {
    super(
      problems
        .map((p) => `${source}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`)
        .join('\n'),
    );
  }
}

/** A validated scenario with each fault step's parameters parsed by its primitive, and the profile resolved. */
export interface LoadedScenario {
  scenario: Scenario;
  /** Parsed parameters per fault step id. */
  faultParams: Record<string, unknown>;
  profile: Profile;
  duringFaultProfile?: Profile;
  source: string;
}

function formatPath(path: Path): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the deepest existing node on `path`; for an unknown `key`, the key itself. */
  at(path: Path, key?: string): { line: number; col: number } {
    if (key !== undefined) {
      const parent = this.doc.getIn(path as unknown[], true);
      if (isMap(parent)) {
        const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
        if (pair && isNode(pair.key) && pair.key.range) return this.lines.linePos(pair.key.range[0]);
      }
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  }
}

function zodProblems(error: z.ZodError, prefix: Path, locate: Locator): ScenarioProblem[] {
  return issueProblems(error.issues, prefix, locate);
}

function issueProblems(issues: z.core.$ZodIssue[], prefix: Path, locate: Locator): ScenarioProblem[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    // A union (a check is PromQL or state) says only "Invalid input": report the closest branch's problems.
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
      if (closest.length > 0) return issueProblems(closest, path, locate);
    }
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({
        ...locate.at(path, key),
        path: formatPath([...path, key]),
        message: `unknown field "${key}"`,
      }));
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
    const message = missing ? `required field missing (${issue.expected})` : issue.message;
    return [{ ...locate.at(path), path: formatPath(path), message }];
  });
}

/** Validates scenario text; throws ScenarioError listing every problem with its line. */
export function parseScenarioText(text: string, source: string): LoadedScenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      source,
      doc.errors.map((e) => ({ ...lines.linePos(e.pos[0]), path: '', message: e.message.split('\n')[0] })),
    );
  }
  const locate = new Locator(doc, lines);
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new ScenarioError(source, [
      { line: 1, col: 1, path: '', message: 'a scenario is a YAML mapping (id, title, …)' },
    ]);

  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ScenarioError(source, zodProblems(parsed.error, [], locate));
  const scenario = parsed.data;
  const problems: ScenarioProblem[] = [];

  const fileId = basename(source).replace(/\.ya?ml$/, '');
  if (/\.ya?ml$/.test(source) && fileId !== scenario.id)
    problems.push({
      ...locate.at(['id']),
      path: 'id',
      message: `id "${scenario.id}" differs from the file name "${fileId}"`,
    });

  const faultParams: Record<string, unknown> = {};
  scenario.faults.forEach((step, i) => {
    const primitive = FAULTS.get(step.fault);
    if (!primitive) {
      problems.push({
        ...locate.at(['faults', i, 'fault']),
        path: formatPath(['faults', i, 'fault']),
        message: `unknown fault "${step.fault}"; known: ${[...FAULTS.keys()].join(', ')}`,
      });
      return;
    }
    const result = primitive.params.safeParse(step.params);
    if (result.success) faultParams[step.id] = result.data;
    else problems.push(...zodProblems(result.error, ['faults', i, 'params'], locate));
  });

  for (const list of ['manifestation', 'recovery'] as const)
    scenario[list]?.checks.forEach((check, i) => {
      if (!('promql' in check)) return;
      try {
        parsePromql(check.promql);
      } catch (err) {
        const detail = err instanceof ParseError ? err.detail : (err as Error).message;
        problems.push({
          ...locate.at([list, 'checks', i, 'promql']),
          path: formatPath([list, 'checks', i, 'promql']),
          message: `PromQL: ${detail}`,
        });
      }
    });

  const profiles = resolveProfiles(scenario, locate, problems);
  if (problems.length) throw new ScenarioError(source, problems);
  return { scenario, faultParams, source, ...profiles } as LoadedScenario;
}

function resolveProfiles(
  scenario: Scenario,
  locate: Locator,
  problems: ScenarioProblem[],
): { profile?: Profile; duringFaultProfile?: Profile } {
  const resolve = (value: string | Record<string, unknown>, path: Path): Profile | undefined => {
    if (typeof value === 'string') {
      const builtin = builtinProfile(value);
      if (!builtin)
        problems.push({
          ...locate.at(path),
          path: formatPath(path),
          message: `unknown built-in profile "${value}"`,
        });
      return builtin;
    }
    try {
      return validateProfile(value, formatPath(path));
    } catch (err) {
      if (!(err instanceof ProfileError)) throw err;
      problems.push({ ...locate.at(path), path: formatPath(path), message: err.problems.join('; ') });
      return undefined;
    }
  };
  const profile = resolve(scenario.load.profile, ['load', 'profile']);
  const during = scenario.load.duringFault;
  return {
    profile,
    duringFaultProfile: during ? resolve(during.profile, ['load', 'duringFault', 'profile']) : undefined,
  };
}

export async function loadScenarioFile(path: string): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, [
      {
        line: 1,
        col: 1,
        path: '',
        message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      },
    ]);
  }
  return parseScenarioText(text, path);
}

/** Every `*.yaml` in a directory, sorted by name; the first invalid file throws. */
export async function loadScenarioDir(dir: string): Promise<LoadedScenario[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out: LoadedScenario[] = [];
  for (const f of files) out.push(await loadScenarioFile(join(dir, f)));
  return out;
}
