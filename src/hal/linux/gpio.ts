import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gpio } from 'onoff';
import { DeviceError, PortClosedError } from '../../errors.js';
import type { Direction, Edge, GpioLine, Level } from '../ports.js';

export interface GpioChipInfo {
  base: number;
  label: string;
  ngpio: number;
}

/** The labels of the SoC's own GPIO controller on each Pi: the header's BCM numbers live there. */
export const PI_GPIO_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2712', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

/** Reads /sys/class/gpio/gpiochip*: their base numbers, labels and sizes. */
export function listGpioChips(sysfsRoot = '/sys/class/gpio'): GpioChipInfo[] {
  let names: string[];
  try {
    names = readdirSync(sysfsRoot).filter((n) => n.startsWith('gpiochip'));
  } catch {
    return [];
  }
  return names.map((n) => ({
    base: Number(readFileSync(join(sysfsRoot, n, 'base'), 'utf8').trim()),
    label: readFileSync(join(sysfsRoot, n, 'label'), 'utf8').trim(),
    ngpio: Number(readFileSync(join(sysfsRoot, n, 'ngpio'), 'utf8').trim()),
  }));
}

/**
 * The sysfs number of a header GPIO. On kernels before 6.6 the SoC's chip had base 0; since
 * 6.6 sysfs numbers are allocated dynamically (512 on a Pi 4, 571 on a Pi 5 with the RP1),
 * so the base is read, never assumed: the chip is found by its label.
 */
export function sysfsNumber(bcm: number, chips: GpioChipInfo[], labels = PI_GPIO_LABELS): number {
  for (const label of labels) {
    const chip = chips.find((c) => c.label === label);
    if (chip) {
      if (bcm < 0 || bcm >= chip.ngpio) {
        throw new DeviceError('GPIO_RANGE', `GPIO${bcm}: ${chip.label} has lines 0-${chip.ngpio - 1}`);
      }
      return chip.base + bcm;
    }
  }
  const seen = chips.map((c) => `${c.label}@${c.base}`).join(', ') || 'none';
  throw new DeviceError('GPIO_CHIP', `no Raspberry Pi GPIO controller in /sys/class/gpio (looked for ${labels.join(', ')}; found ${seen})`);
}

/** GpioLine over onoff (sysfs GPIO with epoll interrupts). */
export class LinuxGpioLine implements GpioLine {
  readonly name: string;
  private gpio: Gpio;
  private dir: Direction;
  private open = true;
  private listeners: { edge: Edge; fn: (v: Level) => void }[] = [];
  private last: Level;

  constructor(bcm: number, sysfs: number, direction: Direction, options: { activeLow?: boolean; initial?: Level } = {}) {
    this.name = `GPIO${bcm}`;
    this.dir = direction;
    try {
      const dir = direction === 'out' ? (options.initial === 1 ? 'high' : 'low') : 'in';
      this.gpio = new Gpio(sysfs, dir, direction === 'in' ? 'both' : 'none', { activeLow: options.activeLow ?? false, reconfigureDirection: true });
    } catch (e) {
      throw new DeviceError('GPIO_OPEN', `${this.name} (sysfs ${sysfs}): cannot export (${(e as Error).message})`, { cause: e });
    }
    this.last = this.gpio.readSync();
    if (direction === 'in') this.gpio.watch((err, value) => this.onInterrupt(err, value));
  }

  get direction(): Direction {
    return this.dir;
  }

  private onInterrupt(err: Error | null | undefined, value: Level): void {
    if (err || !this.open || value === this.last) return;
    this.last = value;
    for (const l of [...this.listeners]) {
      if (l.edge === 'both' || (l.edge === 'rising') === (value === 1)) l.fn(value);
    }
  }

  async read(): Promise<Level> {
    if (!this.open) throw new PortClosedError(this.name);
    return this.gpio.read();
  }

  async write(value: Level): Promise<void> {
    if (!this.open) throw new PortClosedError(this.name);
    if (this.dir !== 'out') throw new DeviceError('GPIO_DIRECTION', `${this.name}: cannot write an input line`);
    await this.gpio.write(value);
  }

  async setDirection(direction: Direction, value: Level = 0): Promise<void> {
    if (!this.open) throw new PortClosedError(this.name);
    this.gpio.setDirection(direction === 'out' ? (value ? 'high' : 'low') : 'in');
    this.dir = direction;
  }

  watch(edge: Edge, listener: (value: Level) => void): () => void {
    if (!this.open) throw new PortClosedError(this.name);
    const l = { edge, fn: listener };
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.listeners = [];
    this.gpio.unexport();
  }
}
