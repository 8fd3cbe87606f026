import { parseGoFloat } from '../promql/literals.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface ExposedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** ms since epoch when the exposition carried one. */
  timestampMs: number | undefined;
}

export interface MetricFamilyMeta {
  type: MetricType;
  help: string;
}

export interface Exposition {
  samples: ExposedSample[];
  /** Family name → TYPE/HELP. */
  metadata: Map<string, MetricFamilyMeta>;
}

export class ExpositionError extends Error {
  constructor(line: number, detail: string) {
    super(`text format parsing error in line ${line}: ${detail}`);
  }
}

const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses Prometheus text exposition format 0.0.4. Throws ExpositionError on the first malformed line. */
export function parseExposition(text: string): Exposition {
  const samples: ExposedSample[] = [];
  const metadata = new Map<string, MetricFamilyMeta>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const lineNo = i + 1;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      parseComment(trimmed, lineNo, metadata);
      continue;
    }
    samples.push(parseSampleLine(trimmed, lineNo));
  }
  return { samples, metadata };
}

function meta(metadata: Map<string, MetricFamilyMeta>, name: string): MetricFamilyMeta {
  let m = metadata.get(name);
  if (!m) metadata.set(name, (m = { type: 'untyped', help: '' }));
  return m;
}

function parseComment(line: string, lineNo: number, metadata: Map<string, MetricFamilyMeta>): void {
  const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
  if (!m) return; // an ordinary comment
  const [, keyword, name, rest = ''] = m;
  if (!NAME_RE.test(name) || NAME_RE.exec(name)![0] !== name)
    throw new ExpositionError(lineNo, `invalid metric name in comment: ${name}`);
  if (keyword === 'TYPE') {
    const type = rest.trim() as MetricType;
    if (!TYPES.has(type)) throw new ExpositionError(lineNo, `unknown metric type "${rest.trim()}"`);
    meta(metadata, name).type = type;
  } else {
    meta(metadata, name).help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
  }
}

function parseSampleLine(line: string, lineNo: number): ExposedSample {
  const nameMatch = NAME_RE.exec(line);
  if (!nameMatch) throw new ExpositionError(lineNo, `invalid metric name in line: ${line.slice(0, 60)}`);
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  pos = skipSpaces(line, pos);
  if (line[pos] === '{') {
    pos = parseLabels(line, pos + 1, lineNo, labels);
  }
  const rest = line
    .slice(pos)
    .trim()
    .split(/[ \t]+/);
  if (rest.length < 1 || rest[0] === '') throw new ExpositionError(lineNo, 'expected a value');
  if (rest.length > 2)
    throw new ExpositionError(lineNo, `unexpected text after timestamp: ${rest.slice(2).join(' ')}`);
  const value = parseGoFloat(rest[0]);
  if (value === undefined) throw new ExpositionError(lineNo, `expected float as value, got "${rest[0]}"`);
  let timestampMs: number | undefined;
  if (rest.length === 2) {
    if (!/^-?\d+$/.test(rest[1]))
      throw new ExpositionError(lineNo, `expected integer as timestamp, got "${rest[1]}"`);
    timestampMs = Number(rest[1]);
  }
  return { name, labels, value, timestampMs };
}

function skipSpaces(line: string, pos: number): number {
  while (line[pos] === ' ' || line[pos] === '\t') pos++;
  return pos;
}

/** Parses `name="value",…}` starting after `{`; returns the index after `}`. */
function parseLabels(line: string, pos: number, lineNo: number, out: Record<string, string>): number {
  for (;;) {
    pos = skipSpaces(line, pos);
    if (line[pos] === '}') return pos + 1;
    const nameMatch = LABEL_RE.exec(line.slice(pos));
    if (!nameMatch) throw new ExpositionError(lineNo, `invalid label name at column ${pos + 1}`);
    const labelName = nameMatch[0];
    pos = skipSpaces(line, pos + labelName.length);
    if (line[pos] !== '=') throw new ExpositionError(lineNo, `expected "=" after label name ${labelName}`);
    pos = skipSpaces(line, pos + 1);
    if (line[pos] !== '"')
      throw new ExpositionError(lineNo, `expected '"' to start the value of label ${labelName}`);
    pos++;
    let value = '';
    for (;;) {
      const ch = line[pos];
      if (ch === undefined) throw new ExpositionError(lineNo, `unterminated value of label ${labelName}`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[pos + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new ExpositionError(lineNo, `invalid escape sequence "\\${next ?? ''}" in label value`);
        pos += 2;
      } else {
        value += ch;
        pos++;
      }
    }
    if (labelName in out) throw new ExpositionError(lineNo, `duplicate label name ${labelName}`);
    out[labelName] = value;
    pos = skipSpaces(line, pos + 1);
    if (line[pos] === ',') pos++;
    else if (line[pos] !== '}')
      throw new ExpositionError(lineNo, `expected "," or "}" after the value of label ${labelName}`);
  }
}
