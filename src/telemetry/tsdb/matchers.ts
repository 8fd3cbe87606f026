import type { Labels } from './labels.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** Tests one label value ('' when the label is absent). */
  readonly matches: (value: string) => boolean;
}

export class RegexError extends Error {}

/**
 * Compiles a PromQL regex with RE2 semantics as far as JS allows: fully anchored, `.` matches newlines,
 * a leading `(?i)` flag, `(?P<name>…)` groups. Constructs RE2 rejects (lookaround, backreferences) are refused.
 */
export function compileRe2(source: string): RegExp {
  let body = source;
  let flags = 'su';
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline) {
    if (inline[1].includes('i')) flags += 'i';
    if (inline[1].includes('m')) flags += 'm';
    body = body.slice(inline[0].length);
  }
  if (/\(\?<?[=!]/.test(body))
    throw new RegexError(`invalid regular expression "${source}": lookaround is not supported`);
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(body)) {
    throw new RegexError(`invalid regular expression "${source}": backreferences are not supported`);
  }
  body = body.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch {
    // Unicode mode rejects some escapes RE2 accepts (e.g. `\-`); retry without it.
    try {
      return new RegExp(`^(?:${body})$`, flags.replace('u', ''));
    } catch (err) {
      throw new RegexError(`invalid regular expression "${source}": ${(err as Error).message}`);
    }
  }
}

export function newMatcher(name: string, type: MatchType, value: string): LabelMatcher {
  let matches: (v: string) => boolean;
  switch (type) {
    case '=':
      matches = (v) => v === value;
      break;
    case '!=':
      matches = (v) => v !== value;
      break;
    case '=~': {
      const re = compileRe2(value);
      matches = (v) => re.test(v);
      break;
    }
    case '!~': {
      const re = compileRe2(value);
      matches = (v) => !re.test(v);
      break;
    }
  }
  return { name, type, value, matches };
}

export function matchesAll(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) if (!m.matches(labels[m.name] ?? '')) return false;
  return true;
}
