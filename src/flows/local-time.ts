/**
 * The terminal's local date and time for fields 12 and 13 (docs/host-spec.md section 1:
 * times are the terminal's local time, the year is not sent), in the merchant's time zone.
 */
import type { LocalDateTime } from '../host/messages.js';

// Building a formatter costs far more than using one: one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function localDateTime(epochMs: number, timeZone: string): LocalDateTime {
  const out: LocalDateTime = { month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') out[p.type] = Number(p.value);
  }
  return out;
}

/** MMDD and hhmmss, as fields 13 and 12 carry them. */
export function fieldDate(at: LocalDateTime): string {
  return `${String(at.month).padStart(2, '0')}${String(at.day).padStart(2, '0')}`;
}

export function fieldTime(at: LocalDateTime): string {
  return [at.hour, at.minute, at.second].map((n) => String(n).padStart(2, '0')).join('');
}
