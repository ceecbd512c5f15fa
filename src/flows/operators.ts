import { CancelledError } from '../errors.js';
import type { TerminalContext } from '../runtime/context.js';
import {
  OperatorError,
  OperatorLockedError,
  PASSWORD_LENGTH,
  SUPERVISOR_ID,
  type OperatorRole,
  type OperatorStore,
} from '../store/operators.js';
import { t, type MessageKey } from '../ui/messages.js';
import { detailScreen } from '../ui/screens.js';
import { keyDigits, keyNumber } from './keyed-digits.js';
import { layout } from './layout.js';
import { choose } from './choose.js';
import { showMessage as notice } from './show-message.js';

/**
 * The context of flows that ask for an operator's password: the terminal's, with the
 * operator store the composition root opens on <data>/operators.json. Optional so that a
 * context without it still type-checks; a flow then says "no operators" on screen.
 */
export type OperatorsContext = TerminalContext & { readonly operators?: OperatorStore | null };

function storeOf(ctx: OperatorsContext): OperatorStore {
  if (!ctx.operators) throw new OperatorError('OPERATORS_MISSING', 'no operator store in the terminal context');
  return ctx.operators;
}

const passwordTimeout = (ctx: TerminalContext) => ({ timeoutName: 'passwordEntryTimeout', timeoutMs: ctx.settings.timeouts.menuMs });

/**
 * Asks operator `id` for their password until it is right. A wrong one says how many tries
 * are left and asks again; the last wrong one locks the operator: the screen says for how
 * long and this rejects with OperatorLockedError (so does a password asked of an operator
 * already locked). CANCEL: CancelledError; no key for menuMs: TimeoutError. A default
 * password still in use is said on screen each time it is used.
 */
export async function askPassword(ctx: OperatorsContext, signal: AbortSignal, id: string, title: MessageKey, prompt: MessageKey = 'op.password'): Promise<void> {
  const store = storeOf(ctx);
  const op = store.get(id);
  if (!op) throw new OperatorError('OPERATOR_UNKNOWN', `no operator ${id}`);
  if (op.lockedUntil !== null) return locked(ctx, signal, title, id, op.lockedUntil);
  let note: string | undefined;
  for (;;) {
    const password = await keyDigits(ctx, signal, { title, prompt, min: 1, max: PASSWORD_LENGTH[op.role], masked: true, ...(note ? { note } : {}), ...passwordTimeout(ctx) });
    let result;
    try {
      result = await store.verify(id, password);
    } finally {
      password.fill(0);
    }
    if (result.kind === 'locked') return locked(ctx, signal, title, id, result.until);
    if (result.kind === 'ok') {
      ctx.log.info({ event: 'operator.verified', operator: id }, 'operator password accepted');
      if (result.mustChange) await notice(ctx, signal, title, [t(ctx.lang, 'op.defaultInUse'), t(ctx.lang, 'op.changeSoon')]);
      return;
    }
    ctx.log.warn({ event: 'operator.wrongPassword', operator: id, triesLeft: result.triesLeft }, 'wrong operator password');
    ctx.indicators?.error();
    note = t(ctx.lang, 'op.wrong', { n: String(result.triesLeft) });
  }
}

async function locked(ctx: TerminalContext, signal: AbortSignal, title: MessageKey, id: string, until: number): Promise<never> {
  ctx.log.warn({ event: 'operator.locked', operator: id, until: new Date(until).toISOString() }, 'operator locked');
  ctx.indicators?.error();
  const minutes = Math.max(1, Math.ceil((until - ctx.clock.now()) / 60_000));
  await notice(ctx, signal, title, [t(ctx.lang, 'op.locked'), t(ctx.lang, 'op.lockedFor', { m: String(minutes) })]);
  throw new OperatorLockedError(id, until);
}

/**
 * The supervisor's password (masked digits), asked until right. Resolves when it is right;
 * rejects with OperatorLockedError when the supervisor is (or becomes) locked, with
 * CancelledError on CANCEL, TimeoutError('passwordEntryTimeout') when no key comes, and
 * OperatorError('OPERATORS_MISSING') when the context has no operator store.
 */
export async function askSupervisor(ctx: OperatorsContext, signal: AbortSignal, title: MessageKey = 'op.title'): Promise<void> {
  await askPassword(ctx, signal, SUPERVISOR_ID, title, 'op.supervisorPassword');
}

/**
 * A new password for an operator of `role`, keyed twice. Not the same twice, or the
 * supervisor's default: said, and asked again. The caller zeroes what it gets.
 */
async function askNewPassword(ctx: TerminalContext, signal: AbortSignal, role: OperatorRole): Promise<Buffer> {
  const n = PASSWORD_LENGTH[role];
  const hint = t(ctx.lang, 'op.length', { n: String(n) });
  let note: string | undefined;
  for (;;) {
    const first = await keyDigits(ctx, signal, { title: 'op.title', prompt: 'op.new', min: n, max: n, masked: true, hint, ...(note ? { note } : {}), ...passwordTimeout(ctx) });
    let second: Buffer;
    try {
      second = await keyDigits(ctx, signal, { title: 'op.title', prompt: 'op.again', min: n, max: n, masked: true, hint, ...passwordTimeout(ctx) });
    } catch (e) {
      first.fill(0);
      throw e;
    }
    const same = first.equals(second);
    second.fill(0);
    if (same) return first;
    first.fill(0);
    ctx.indicators?.error();
    note = t(ctx.lang, 'op.mismatch');
  }
}

/** Sets a password, saying on screen what came of it; a password the rules refuse is asked again. */
async function setPassword(ctx: OperatorsContext, signal: AbortSignal, id: string, by: string): Promise<void> {
  const store = storeOf(ctx);
  const op = store.get(id);
  if (!op) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.unknown')]);
  for (;;) {
    const password = await askNewPassword(ctx, signal, op.role);
    try {
      await store.setPassword(id, password, by);
    } catch (e) {
      if (e instanceof OperatorError && e.code === 'OPERATOR_DEFAULT_PASSWORD') {
        await notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.notDefault')]);
        continue;
      }
      throw e;
    } finally {
      password.fill(0);
    }
    ctx.log.info({ event: 'operator.passwordChanged', operator: id, by }, 'operator password changed');
    return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.changed')]);
  }
}

const keyOperatorId = (ctx: TerminalContext, signal: AbortSignal) =>
  keyNumber(ctx, signal, { title: 'op.title', prompt: 'op.id', min: 2, max: 2, timeoutName: 'operatorIdTimeout', timeoutMs: ctx.settings.timeouts.menuMs });

/**
 * An operator changes their own password: their number, their current password (wrong
 * tries count towards their lock), the new one twice.
 */
export async function changeOwnPassword(ctx: OperatorsContext, signal: AbortSignal): Promise<void> {
  if (!ctx.operators) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.notSetUp')]);
  const id = await keyOperatorId(ctx, signal);
  if (!ctx.operators.get(id)) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.unknown')]);
  try {
    await askPassword(ctx, signal, id, 'op.title', 'op.current');
  } catch (e) {
    if (e instanceof OperatorLockedError) return;
    throw e;
  }
  await setPassword(ctx, signal, id, id);
}

/** Adds a cashier: a number 01-99 not taken, a first password keyed twice. */
async function addCashier(ctx: OperatorsContext, signal: AbortSignal): Promise<void> {
  const store = storeOf(ctx);
  const id = await keyOperatorId(ctx, signal);
  if (id === SUPERVISOR_ID) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.badId')]);
  if (store.get(id)) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.exists')]);
  const password = await askNewPassword(ctx, signal, 'cashier');
  try {
    await store.addCashier(id, password);
  } finally {
    password.fill(0);
  }
  ctx.log.info({ event: 'operator.added', operator: id }, 'cashier added');
  await notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.added')]);
}

/** Removes a cashier after ENTER on "remove NN?"; the supervisor stays. */
async function removeCashier(ctx: OperatorsContext, signal: AbortSignal): Promise<void> {
  const store = storeOf(ctx);
  const id = await keyOperatorId(ctx, signal);
  const op = store.get(id);
  if (!op) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.unknown')]);
  if (op.role === 'supervisor') return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.keepSupervisor')]);
  const l = layout(ctx);
  await choose(ctx, signal, detailScreen(l, t(l.lang, 'op.title'), ['', t(l.lang, 'op.confirmRemove', { id }), t(l.lang, 'return.confirm')]), ['ENTER'], 'confirmTimeout');
  await store.removeCashier(id);
  ctx.log.info({ event: 'operator.removed', operator: id }, 'cashier removed');
  await notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.removed')]);
}

/**
 * The supervisor's operator management: the supervisor password, then, until CANCEL: 1 set
 * anyone's password, 2 add a cashier, 3 remove a cashier. A locked supervisor ends it.
 */
export async function manageOperators(ctx: OperatorsContext, signal: AbortSignal): Promise<void> {
  if (!ctx.operators) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.notSetUp')]);
  try {
    await askSupervisor(ctx, signal);
  } catch (e) {
    if (e instanceof OperatorLockedError) return;
    throw e;
  }
  const l = layout(ctx);
  for (;;) {
    let key;
    try {
      key = await choose(ctx, signal, detailScreen(l, t(l.lang, 'op.title'), [t(l.lang, 'op.menuSet'), t(l.lang, 'op.menuAdd'), t(l.lang, 'op.menuRemove')]), ['1', '2', '3'], 'menuTimeout');
    } catch (e) {
      // CANCEL here is the way out of the management menu, not a failure.
      if (e instanceof CancelledError && e.reason === 'cancel-key') return;
      throw e;
    }
    if (key === '1') {
      const id = await keyOperatorId(ctx, signal);
      await setPassword(ctx, signal, id, SUPERVISOR_ID);
    } else if (key === '2') await addCashier(ctx, signal);
    else await removeCashier(ctx, signal);
  }
}

/**
 * MENU > operators: 1 change my own password (any operator), 2 manage operators (the
 * supervisor). CANCEL goes back.
 */
export async function operatorsMenu(ctx: OperatorsContext, signal: AbortSignal): Promise<void> {
  if (!ctx.operators) return notice(ctx, signal, 'op.title', ['', t(ctx.lang, 'op.notSetUp')]);
  const l = layout(ctx);
  const key = await choose(ctx, signal, detailScreen(l, t(l.lang, 'op.title'), [t(l.lang, 'op.menuOwn'), t(l.lang, 'op.menuManage')]), ['1', '2'], 'menuTimeout');
  if (key === '1') await changeOwnPassword(ctx, signal);
  else await manageOperators(ctx, signal);
}
