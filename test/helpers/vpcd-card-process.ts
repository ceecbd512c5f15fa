/**
 * A virtual chip card in vpcd's reader, run in a process of its own and steered from the test
 * over IPC: insert, remove, pull out at the n-th command, read back what it exchanged.
 *
 * Its own process, as a card is outside the terminal: the PC/SC binding's SCardDisconnect is
 * synchronous, and pcscd, to power the card down, talks to vpcd's card before it answers. A
 * card in the test's own process could not answer while the test waits on pcscd.
 *
 * `startVirtualCard(port)` in the test; this same file is the child (run when it is the
 * entry point: `process.send` exists).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type VpcdEventMessage = { kind: string; [k: string]: unknown };

interface Request {
  id: number;
  op: 'insert' | 'remove' | 'pullOutAtCommand' | 'exchanges';
  card?: string;
  atr?: string;
  n?: number;
}

type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };
type Note = { event: VpcdEventMessage } | { closed: { reason: string; detail: string } };

export interface VirtualCard {
  /** Puts a catalog card (a fresh one the first time, the same one after) into vpcd's reader; `atr` replaces its ATR. */
  insert(card: string, options?: { atr?: string }): Promise<void>;
  /** Takes the card out (the connection to vpcd closes). */
  remove(): Promise<void>;
  pullOutAtCommand(n: number): Promise<void>;
  /** Every APDU and answer so far, as 'C-APDU -> SW' (the slot's record, T=0 procedure answers included). */
  script(): Promise<string[]>;
  /** Everything vpcd sent (power-on, power-off, reset, apdu...), in order; ATR requests are left out. */
  readonly events: VpcdEventMessage[];
  /** Resolves at the next event of `kind` from now on. */
  next(kind: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export function startVirtualCard(vpcdPort: number): VirtualCard {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [String(vpcdPort)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const events: VpcdEventMessage[] = [];
  const waiters: { kind: string; done: () => void }[] = [];
  child.on('message', (m: Reply | Note) => {
    if ('id' in m) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(m.error));
      return;
    }
    if ('event' in m) {
      events.push(m.event);
      for (const w of waiters.filter((x) => x.kind === m.event.kind)) w.done();
    }
  });
  child.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error('the virtual card process ended'));
    pending.clear();
  });
  const ask = (r: Omit<Request, 'id'>) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      child.send({ ...r, id });
    });
  return {
    events,
    insert: async (card, options = {}) => void (await ask({ op: 'insert', card, ...options })),
    remove: async () => void (await ask({ op: 'remove' })),
    pullOutAtCommand: async (n) => void (await ask({ op: 'pullOutAtCommand', n })),
    script: async () => (await ask({ op: 'exchanges' })) as string[],
    next: (kind, ms = 5000) =>
      new Promise<void>((resolve, reject) => {
        const w = {
          kind,
          done: () => {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(w), 1);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`the virtual card saw no ${kind} within ${ms} ms (saw: ${events.map((e) => e.kind).join(', ')})`));
        }, ms);
        waiters.push(w);
      }),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The child: one VpcdCard at a time on the port given. */
async function serve(port: number): Promise<void> {
  const { createChipCard } = await import('../../simulator/cards/catalog.js');
  const { VpcdCard } = await import('../../simulator/devices/contact-slot/vpcd-card.js');
  const { fromHex, toHex } = await import('../../src/hex.js');
  type Card = import('../../simulator/cards/catalog.js').ChipCard;
  const cards = new Map<string, Card>();
  let card: import('../../simulator/devices/contact-slot/vpcd-card.js').VpcdCard | null = null;
  const send = (m: Reply | Note) => process.send!(m);
  const handle = async (r: Request): Promise<unknown> => {
    switch (r.op) {
      case 'insert': {
        if (card?.connected) throw new Error('a card is already in the reader');
        let chip = cards.get(r.card!);
        if (!chip) cards.set(r.card!, (chip = createChipCard(r.card!)));
        const inner = chip;
        const inserted: Card = r.atr ? { atr: fromHex(r.atr), transceive: (a) => inner.transceive(a), reset: () => inner.reset?.() } : inner;
        card = await VpcdCard.connect(inserted, {
          port,
          onEvent: (e) => {
            if (e.kind !== 'atr') send({ event: e });
          },
        });
        const mine = card;
        void mine.closed.then((c) => send({ closed: c }));
        return undefined;
      }
      case 'remove':
        await card?.remove();
        return undefined;
      case 'pullOutAtCommand':
        card!.slot.pullOutAtCommand(r.n!);
        return undefined;
      case 'exchanges':
        return (card?.slot.exchanges ?? []).map((e) => `${toHex(e.c)} -> ${toHex(e.r.subarray(e.r.length - 2))}`);
    }
  };
  process.on('message', (r: Request) => {
    handle(r).then(
      (value) => send({ id: r.id, ok: true, value }),
      (e: unknown) => send({ id: r.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  process.once('SIGTERM', () => {
    void (card?.remove() ?? Promise.resolve()).then(() => process.exit(0));
  });
  // Ends with the test that forked it.
  process.once('disconnect', () => process.exit(0));
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  void serve(Number(process.argv[2]));
}
