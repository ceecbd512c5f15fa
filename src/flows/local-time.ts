/**
 * The terminal's local date and time for fields 12 and 13 (docs/host-spec.md section 1:
 * times are the terminal's local time, the year is not sent), in the merchant's time zone.
 */
import { zonedTime } from '../time.js';
import type { LocalDateTime } from '../host/messages.js';

export function localDateTime(epochMs: number, timeZone: string): LocalDateTime {
  const { month, day, hour, minute, second } = zonedTime(epochMs, timeZone);
  return { month, day, hour, minute, second };
}

/** MMDD and hhmmss, as fields 13 and 12 carry them. */
export function fieldDate(at: LocalDateTime): string {
  return `${String(at.month).padStart(2, '0')}${String(at.day).padStart(2, '0')}`;
}

export function fieldTime(at: LocalDateTime): string {
  return [at.hour, at.minute, at.second].map((n) => String(n).padStart(2, '0')).join('');
}
