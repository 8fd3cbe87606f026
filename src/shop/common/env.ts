/** Typed access to environment configuration, failing with one clear line on bad values. */

export class ConfigError extends Error {}

export function envString(name: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envNumber(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number, got "${raw}"`);
  return value;
}

export function envInt(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = envNumber(name, fallback, env);
  if (!Number.isInteger(value)) throw new ConfigError(`${name} must be an integer, got "${value}"`);
  return value;
}

export function envBool(name: string, fallback: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}
