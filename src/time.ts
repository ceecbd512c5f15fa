/** A moment in the merchant's time zone, as the screen, the receipt and the host need it. */
export interface ZonedTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building a formatter costs far more than using one: one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The calendar fields of `epochMs` in the IANA `timeZone` (Asia/Shanghai...). */
export function zonedTime(epochMs: number, timeZone: string): ZonedTime {
  const out: ZonedTime = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') out[p.type] = Number(p.value);
  }
  return out;
}

/** 7 -> "07"; 2026 stays "2026". */
export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
