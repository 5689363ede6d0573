/**
 * Cron expressions as Kubernetes CronJobs and Velero Schedules accept them: both parse with
 * robfig/cron v3 `ParseStandard` (five fields: minute, hour, day of month, month, day of week;
 * `*`, `?`, `a`, `a-b`, `*\/n`, `a/n`, `a-b/n` and comma-separated lists of those; month and
 * day-of-week names; the `@yearly`... descriptors and `@every <duration>`). A time-zone prefix
 * (`TZ=`, `CRON_TZ=`) is refused: the Kubernetes API server rejects it in a schedule.
 * Day of week is 0-6 (robfig/cron has no 7 for Sunday).
 */

/** One of the five fields: its name in messages, its range and the names it takes. */
interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS },
];

/** The descriptors robfig/cron's standard parser knows, besides `@every <duration>`. */
export const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

/** A Go duration as `time.ParseDuration` reads it (`1h30m`, `90s`, `1.5h`), unsigned. */
const GO_DURATION = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))*$/;

/** The most days each month has (February in a leap year). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const range = (f: CronField) => `${f.min}-${f.max}${f.names ? ` or ${f.names[0].toUpperCase()}-${f.names[f.names.length - 1].toUpperCase()}` : ''}`;

/** A number or a name of `f`; a problem when it is neither or out of range. */
function value(text: string, f: CronField, part: string): number | string {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + f.min;
  if (!/^[0-9]+$/.test(text)) return `${f.name} "${part}": "${text}" is not a number${f.names ? ' or a name' : ''} (allowed: ${range(f)})`;
  const n = Number(text);
  if (n < f.min || n > f.max) return part === text ? `${f.name} "${text}" is out of range ${range(f)}` : `${f.name} "${part}": ${text} is out of range ${range(f)}`;
  return n;
}

/** The values one field selects, or what is wrong with it. */
export function cronFieldValues(text: string, f: CronField): Set<number> | string {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') return `${f.name} "${text}" has an empty list entry`;
    const [span, stepText, extra] = part.split('/');
    if (extra !== undefined) return `${f.name} "${part}" has more than one "/"`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^[0-9]+$/.test(stepText)) return `${f.name} "${part}": the step "${stepText}" is not a number`;
      step = Number(stepText);
      if (step < 1) return `${f.name} "${part}": the step must be at least 1`;
    }
    let lo: number;
    let hi: number;
    if (span === '*' || span === '?') {
      lo = f.min;
      hi = f.max;
    } else {
      const bounds = span.split('-');
      if (bounds.length > 2) return `${f.name} "${part}" has more than one "-"`;
      const a = value(bounds[0], f, part);
      if (typeof a === 'string') return a;
      lo = a;
      if (bounds.length === 2) {
        const b = value(bounds[1], f, part);
        if (typeof b === 'string') return b;
        hi = b;
      } else {
        // "a/n" runs from a to the end of the range.
        hi = stepText !== undefined ? f.max : a;
      }
      if (lo > hi) return `${f.name} "${part}": the range runs backwards (${bounds[0]} is after ${bounds[1]})`;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/**
 * What is wrong with a cron expression, naming the field and the bad part (`hour "24" is out
 * of range 0-23`), or undefined when Kubernetes and Velero both accept it and it runs at all.
 */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (/^(CRON_)?TZ=/.test(text)) return 'a time-zone prefix (TZ=... or CRON_TZ=...) is not accepted (the Kubernetes API server refuses it in a schedule); write the time in UTC';
  if (text.startsWith('@')) {
    if ((CRON_DESCRIPTORS as readonly string[]).includes(text)) return undefined;
    const every = /^@every (.*)$/.exec(text);
    if (every) return GO_DURATION.test(every[1]) && /[1-9]/.test(every[1]) ? undefined : `"@every ${every[1]}": the interval must be a duration such as "1h30m" or "15m"`;
    return `unknown descriptor "${text}"; use one of ${CRON_DESCRIPTORS.join(', ')}, "@every <duration>" or five fields`;
  }
  const parts = text.split(/\s+/);
  if (text === '' || parts.length !== 5) {
    return `must have five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *" (03:00 every day); found ${text === '' ? 0 : parts.length}`;
  }
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const r = cronFieldValues(parts[i], CRON_FIELDS[i]);
    if (typeof r === 'string') return r;
    sets.push(r);
  }
  // With the day of week unrestricted, the day of month must occur in one of the months.
  const dowAny = parts[4] === '*' || parts[4] === '?';
  const [, , days, months] = sets;
  if (dowAny && ![...months].some((m) => [...days].some((d) => d <= DAYS_IN_MONTH[m - 1]))) {
    return `day of month "${parts[2]}" never comes in month "${parts[3]}", so the schedule never runs; pick days the months have`;
  }
  return undefined;
}
