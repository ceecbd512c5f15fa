import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listGpioChips, sysfsNumber } from '../../../src/hal/linux/gpio.js';

/** A /sys/class/gpio laid out as a kernel lays it out. */
function sysfs(chips: { name: string; base: number; label: string; ngpio: number }[]): string {
  const root = mkdtempSync(join(tmpdir(), 'gpio-'));
  for (const c of chips) {
    mkdirSync(join(root, c.name));
    writeFileSync(join(root, c.name, 'base'), `${c.base}\n`);
    writeFileSync(join(root, c.name, 'label'), `${c.label}\n`);
    writeFileSync(join(root, c.name, 'ngpio'), `${c.ngpio}\n`);
  }
  writeFileSync(join(root, 'export'), '');
  return root;
}

describe('sysfs GPIO numbering', () => {
  it('a Pi 4 on kernel 6.6+: BCM 17 is sysfs 529 (base 512)', () => {
    const chips = listGpioChips(sysfs([
      { name: 'gpiochip512', base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
      { name: 'gpiochip570', base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
    ]));
    expect(sysfsNumber(17, chips)).toBe(529);
  });

  it('a Pi 5: the RP1 header controller, base 571', () => {
    const chips = listGpioChips(sysfs([
      { name: 'gpiochip512', base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
      { name: 'gpiochip571', base: 571, label: 'pinctrl-rp1', ngpio: 54 },
    ]));
    expect(sysfsNumber(17, chips)).toBe(588);
  });

  it('an older kernel: base 0', () => {
    const chips = listGpioChips(sysfs([{ name: 'gpiochip0', base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }]));
    expect(sysfsNumber(27, chips)).toBe(27);
  });

  it('says what it found when no Pi controller is there, and refuses lines past the chip', () => {
    const chips = listGpioChips(sysfs([{ name: 'gpiochip0', base: 0, label: 'gpio-mockup-A', ngpio: 8 }]));
    expect(() => sysfsNumber(4, chips)).toThrow(/found gpio-mockup-A@0/);
    const pi = listGpioChips(sysfs([{ name: 'gpiochip512', base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]));
    expect(() => sysfsNumber(60, pi)).toThrow('GPIO60: pinctrl-bcm2711 has lines 0-57');
  });

  it('no sysfs GPIO at all gives an empty list, not a crash', () => {
    expect(listGpioChips('/nonexistent/gpio')).toEqual([]);
  });
});
