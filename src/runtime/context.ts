import type { Logger } from 'pino';
import type { ContactCardReader } from '../hal/contact-reader.js';
import type { MagstripeReader } from '../hal/magstripe/index.js';
import type { Clock } from '../hal/ports.js';
import type { PaymentServices } from '../payments.js';
import type { PrintQueue } from '../printer/index.js';
import type { OperatorStore } from '../store/operators.js';
import type { CardReader } from '../hal/reader.js';
import type { TerminalSettings } from '../store/config.js';
import type { Language } from '../ui/messages.js';
import type { KeyQueue } from './key-queue.js';
import type { Scheduler } from './scheduler.js';
import type { Screen } from './screen.js';

/** The contactless status lights and the buzzer, as the flows drive them. */
export interface StatusIndicators {
  idle(): void;
  ready(): void;
  processing(): void;
  success(): void;
  error(): void;
  off(): void;
}

/** What the terminal is doing, for the simulator API and the diagnostics screen. */
export class TerminalStatus {
  flow: string | null = null;
  /** True while the idle screen waits for a key and nothing else runs. */
  idle = false;
}

/**
 * The Terminal context every flow is handed: the devices and services of the terminal.
 * A service that is not fitted yet is null, and a flow says so on screen instead of failing.
 * Printer, host and journal join here with their issues.
 */
export interface TerminalContext {
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: TerminalSettings;
  readonly lang: Language;
  readonly screen: Screen;
  readonly keys: KeyQueue;
  readonly scheduler: Scheduler;
  readonly status: TerminalStatus;
  readonly indicators: StatusIndicators | null;
  readonly reader: CardReader | null;
  /** The contact chip reader and the stripe reader, when the board has them. */
  readonly contact: ContactCardReader | null;
  readonly magstripe: MagstripeReader | null;
  readonly printer: PrintQueue | null;
  /** Card configuration, keys, journal and host: null on a terminal without them. */
  readonly payments: PaymentServices | null;
  /** The supervisor and cashiers (passwords as scrypt hashes): null on a terminal without them. */
  readonly operators: OperatorStore | null;
}
