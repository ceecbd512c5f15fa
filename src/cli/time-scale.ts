import { ValidationError } from '../errors.js';
import { RealClock, ScaledClock } from '../hal/clock.js';

/**
 * `--time-scale K` (soaks, demos): the sim board and everything on its clock run K times
 * faster than real time. Only for a sim board: real devices keep real time.
 */
export function timeScale(flag: string | undefined, simBoard: boolean, boardName: string): RealClock | ScaledClock {
  if (flag === undefined) return new RealClock();
  if (!simBoard) throw new ValidationError(`--time-scale: board ${boardName} has real devices, which keep real time (only a sim board can run faster)`);
  const k = Number(flag);
  if (!/^\d+(\.\d+)?$/.test(flag) || !(k >= 1 && k <= 1000)) throw new ValidationError(`--time-scale must be a number from 1 to 1000 (got '${flag}')`);
  return k === 1 ? new RealClock() : new ScaledClock(k);
}
