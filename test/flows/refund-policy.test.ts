import { describe, expect, it } from 'vitest';
import { calendarDay, dayOfMonthDay, handlingFee, refundable, refundSums, withinWindow } from '../../src/flows/refund-policy.js';

const today = { year: 2026, month: 1, day: 15 };

describe('the refund policy as arithmetic', () => {
  it('a fee in basis points rounds half up to whole minor units; a fixed fee is itself; no floats', () => {
    expect(handlingFee(4000, { feeBasisPoints: 100, feeFixed: 0 })).toBe(40);
    expect(handlingFee(50, { feeBasisPoints: 100, feeFixed: 0 })).toBe(1); // 0.5 -> 1
    expect(handlingFee(49, { feeBasisPoints: 100, feeFixed: 0 })).toBe(0);
    expect(handlingFee(999_999_999_999, { feeBasisPoints: 9_999, feeFixed: 0 })).toBe(999_899_999_999); // past 2^53 on the way
    expect(handlingFee(4000, { feeBasisPoints: 0, feeFixed: 150 })).toBe(150);
    expect(refundSums(10_000, 3_960, 4_000, { feeBasisPoints: 100, feeFixed: 0 })).toEqual({ original: 10_000, already: 3_960, refund: 4_000, fee: 40, net: 3_960 });
    expect(refundable(10_000, 10_500)).toBe(0);
  });

  it('a receipt\'s MMDD is the latest such day not after today; a day that does not exist is none', () => {
    expect(dayOfMonthDay('0115', today)).toEqual(today);
    expect(dayOfMonthDay('0110', today)).toEqual({ year: 2026, month: 1, day: 10 });
    expect(dayOfMonthDay('1231', today)).toEqual({ year: 2025, month: 12, day: 31 });
    expect(dayOfMonthDay('0230', today)).toBeNull();
    expect(dayOfMonthDay('0229', today)).toBeNull(); // 2025 has none
    expect(dayOfMonthDay('0229', { year: 2028, month: 3, day: 1 })).toEqual({ year: 2028, month: 2, day: 29 });
    expect(dayOfMonthDay('1301', today)).toBeNull();
    expect(dayOfMonthDay('12a4', today)).toBeNull();
  });

  it('the window counts calendar days in the merchant\'s time zone', () => {
    expect(withinWindow({ year: 2025, month: 12, day: 16 }, today, 30)).toBe(true);
    expect(withinWindow({ year: 2025, month: 12, day: 15 }, today, 30)).toBe(false);
    // 23:30 UTC on the 14th is already the 15th in Shanghai.
    expect(calendarDay(Date.UTC(2026, 0, 14, 23, 30), 'Asia/Shanghai')).toEqual(today);
  });
});
