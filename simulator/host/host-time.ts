/** The host's local date and time from its clock, in its time zone (fields 15 and 62). */
export interface HostTime {
  /** YYYYMMDD: the business day (duplicates are per day, docs/host-spec.md section 7). */
  date: string;
  /** MMDD, field 15. */
  monthDay: string;
  /** YYYYMMDDhhmmss, field 62. */
  full: string;
  year: number;
  month: number;
}

export function hostTime(epochMs: number, timeZone: string): HostTime {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(epochMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  const date = `${get('year')}${get('month')}${get('day')}`;
  return {
    date,
    monthDay: date.slice(4),
    full: `${date}${get('hour')}${get('minute')}${get('second')}`,
    year: Number(get('year')),
    month: Number(get('month')),
  };
}
