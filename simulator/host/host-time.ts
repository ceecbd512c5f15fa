import { pad2, zonedTime } from '../../src/time.js';

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
  const t = zonedTime(epochMs, timeZone);
  const date = `${t.year}${pad2(t.month)}${pad2(t.day)}`;
  return { date, monthDay: date.slice(4), full: `${date}${pad2(t.hour)}${pad2(t.minute)}${pad2(t.second)}`, year: t.year, month: t.month };
}
