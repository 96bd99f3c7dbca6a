/** Durations as Argo and Go write them: formatting seconds and parsing duration strings (internal). */

/** Formats seconds the way Argo and Go durations read: 1h2m3s, 90s -> 1m30s. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'indefinite';
  let rest = Math.round(seconds);
  const h = Math.floor(rest / 3600); rest -= h * 3600;
  const m = Math.floor(rest / 60); rest -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || (!h && !m) ? `${rest}s` : ''}`;
}

const GO_DURATION_UNITS: { [unit: string]: number } = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * Seconds of an Argo duration: a number of seconds, or a Go duration string such as `1m30s`
 * (Argo's DurationString). Throws on anything else.
 */
export function parseDurationSeconds(value: string | number): number {
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw new Error(`'${value}' is not a duration: use a number of seconds or a Go duration such as 30s, 1m or 1h30m`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * GO_DURATION_UNITS[p[2]], 0);
}
