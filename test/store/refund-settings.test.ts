import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFUND_POLICY, loadSettings } from '../../src/store/config.js';

const dirWith = (config: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-refund-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
};

describe('void and refund settings', () => {
  it('default: no card for a void; refunds within 30 days, no fee, the supervisor asked', async () => {
    const s = await loadSettings(dirWith({}));
    expect(s.voidNeedsCard).toBe(false);
    expect(s.refundPolicy).toEqual({ windowDays: 30, feeBasisPoints: 0, feeFixed: 0, supervisorRequired: true });
    expect(DEFAULT_REFUND_POLICY).toEqual(s.refundPolicy);
  });

  it('a policy set in part keeps the rest of the defaults', async () => {
    const s = await loadSettings(dirWith({ voidNeedsCard: true, refundPolicy: { feeBasisPoints: 150 } }));
    expect(s.voidNeedsCard).toBe(true);
    expect(s.refundPolicy).toEqual({ ...DEFAULT_REFUND_POLICY, feeBasisPoints: 150 });
  });

  it('wrong values are refused, each named', async () => {
    await expect(loadSettings(dirWith({ voidNeedsCard: 'yes', refundPolicy: { windowDays: 0, feeBasisPoints: 12.5, feeFixed: -1, supervisorRequired: 1 } }))).rejects.toThrow(
      'voidNeedsCard must be true or false; refundPolicy.windowDays must be a whole number of days from 1 to 365; refundPolicy.feeBasisPoints must be from 0 to 10000 (100 = 1 %); refundPolicy.feeFixed must be a whole number of minor units, 0 or more; refundPolicy.supervisorRequired must be true or false',
    );
    await expect(loadSettings(dirWith({ refundPolicy: { feeBasisPoints: 100, feeFixed: 200 } }))).rejects.toThrow('refundPolicy: set feeBasisPoints or feeFixed, not both');
  });
});
