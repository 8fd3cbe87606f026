/** `/health` bodies in the two shapes of the original: Go services report `time`, Java services `date`. */

export interface HealthCheck {
  service: string;
  ok: boolean;
}

/** Go's `time.Now().String()`, e.g. `2016-12-14 12:22:04.716316395 +0000 UTC`. */
function goTime(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000000 +0000 UTC`;
}

/** Java's `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in UTC, e.g. `2016-12-14T12:22:04.716Z`. */
function javaDate(now: Date): string {
  return now.toISOString();
}

export function goHealth(checks: HealthCheck[], now = new Date()) {
  return {
    health: checks.map((c) => ({ service: c.service, status: c.ok ? 'OK' : 'err', time: goTime(now) })),
  };
}

export function javaHealth(checks: HealthCheck[], now = new Date()) {
  return {
    health: checks.map((c) => ({ service: c.service, status: c.ok ? 'OK' : 'err', date: javaDate(now) })),
  };
}
