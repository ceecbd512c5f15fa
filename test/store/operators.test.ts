import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_MS, OperatorStore } from '../../src/store/operators.js';
import { isPasswordHash, SCRYPT_PARAMS } from '../../src/store/password-hash.js';

const pw = (s: string) => Buffer.from(s, 'ascii');

/** The terminal's clock as the store sees it: now, moved by the test. */
function clockAt(t: number) {
  return {
    t,
    now() {
      return this.t;
    },
  };
}

async function fresh(clock = clockAt(Date.UTC(2026, 0, 15, 1, 30))) {
  const dir = mkdtempSync(join(tmpdir(), 'operators-'));
  const file = join(dir, 'operators.json');
  return { file, clock, store: await OperatorStore.open({ file, clock }) };
}

describe('the operator store', () => {
  it('starts with supervisor 00 / 123456, flagged must-change, kept only as a scrypt hash in a 0600 file', async () => {
    const { file, store } = await fresh();
    expect(store.list()).toEqual([{ id: '00', role: 'supervisor', mustChange: true, lockedUntil: null }]);
    expect(await store.verify('00', pw('123456'))).toEqual({ kind: 'ok', mustChange: true });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('123456');
    const saved = JSON.parse(text);
    expect(isPasswordHash(saved.operators[0].password)).toBe(true);
    expect(saved.operators[0].password).toMatchObject({ alg: 'scrypt', N: SCRYPT_PARAMS.N, r: 8, p: 1 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('three wrong passwords lock the operator for five minutes, also across a restart; the right one is refused while locked', async () => {
    const { file, clock, store } = await fresh();
    expect(await store.verify('00', pw('000000'))).toEqual({ kind: 'wrong', triesLeft: 2 });
    expect(await store.verify('00', pw('111111'))).toEqual({ kind: 'wrong', triesLeft: 1 });
    const until = clock.t + LOCK_MS;
    expect(await store.verify('00', pw('222222'))).toEqual({ kind: 'locked', until });
    expect(await store.verify('00', pw('123456'))).toEqual({ kind: 'locked', until });
    // A restart (a new store on the same file) neither lifts the lock nor forgets it.
    const again = await OperatorStore.open({ file, clock });
    expect(again.get('00')?.lockedUntil).toBe(until);
    clock.t = until - 1;
    expect(await again.verify('00', pw('123456'))).toEqual({ kind: 'locked', until });
    clock.t = until;
    expect(await again.verify('00', pw('123456'))).toEqual({ kind: 'ok', mustChange: true });
  });

  it('wrong tries are on disk before the answer: a restart between them does not reset the count', async () => {
    const { file, clock, store } = await fresh();
    await store.verify('00', pw('000000'));
    await store.verify('00', pw('000000'));
    const again = await OperatorStore.open({ file, clock });
    expect((await again.verify('00', pw('000000'))).kind).toBe('locked');
  });

  it('a right password resets the count of wrong ones', async () => {
    const { store } = await fresh();
    await store.verify('00', pw('000000'));
    await store.verify('00', pw('000000'));
    await store.verify('00', pw('123456'));
    expect(await store.verify('00', pw('000000'))).toEqual({ kind: 'wrong', triesLeft: 2 });
  });

  it('a clock set back does not stretch a lock past five minutes from now', async () => {
    const { clock, store } = await fresh();
    for (const p of ['1', '2', '3']) await store.verify('00', pw(p.repeat(6)));
    clock.t -= 86_400_000; // the Pi booted without a battery clock, a day behind
    expect(await store.verify('00', pw('123456'))).toEqual({ kind: 'locked', until: clock.t + LOCK_MS });
    clock.t += LOCK_MS;
    expect((await store.verify('00', pw('123456'))).kind).toBe('ok');
  });

  it('the supervisor sets anyone\'s password; a cashier only their own; the forms are checked', async () => {
    const { store } = await fresh();
    await store.addCashier('01', pw('1111'));
    await store.addCashier('02', pw('2222'));
    await expect(store.setPassword('02', pw('3333'), '01')).rejects.toMatchObject({ code: 'OPERATOR_FORBIDDEN' });
    await store.setPassword('01', pw('4444'), '01');
    expect((await store.verify('01', pw('4444'))).kind).toBe('ok');
    await store.setPassword('02', pw('5555'), '00');
    expect((await store.verify('02', pw('5555'))).kind).toBe('ok');
    await expect(store.setPassword('01', pw('12345'), '00')).rejects.toMatchObject({ code: 'OPERATOR_BAD_PASSWORD' });
    await expect(store.setPassword('00', pw('12a456'), '00')).rejects.toMatchObject({ code: 'OPERATOR_BAD_PASSWORD' });
    await expect(store.setPassword('00', pw('123456'), '00')).rejects.toMatchObject({ code: 'OPERATOR_DEFAULT_PASSWORD' });
    await store.setPassword('00', pw('654321'), '00');
    expect(await store.verify('00', pw('654321'))).toEqual({ kind: 'ok', mustChange: false });
    await expect(store.setPassword('09', pw('1234'), '00')).rejects.toMatchObject({ code: 'OPERATOR_UNKNOWN' });
  });

  it('cashiers are added and removed; the supervisor stays; ids are 01-99', async () => {
    const { file, clock, store } = await fresh();
    await store.addCashier('07', pw('7777'));
    await expect(store.addCashier('07', pw('7777'))).rejects.toMatchObject({ code: 'OPERATOR_EXISTS' });
    await expect(store.addCashier('00', pw('7777'))).rejects.toMatchObject({ code: 'OPERATOR_BAD_ID' });
    await expect(store.addCashier('7', pw('7777'))).rejects.toMatchObject({ code: 'OPERATOR_BAD_ID' });
    await expect(store.removeCashier('00')).rejects.toMatchObject({ code: 'OPERATOR_FORBIDDEN' });
    expect((await OperatorStore.open({ file, clock })).list().map((o) => o.id)).toEqual(['00', '07']);
    await store.removeCashier('07');
    expect((await OperatorStore.open({ file, clock })).list().map((o) => o.id)).toEqual(['00']);
  });

  it('a damaged file is refused with its name, never replaced by the default supervisor', async () => {
    const { file, clock } = await fresh();
    writeFileSync(file, '{"version":1,"operators":[{"id":"00"}]}');
    await expect(OperatorStore.open({ file, clock })).rejects.toMatchObject({ code: 'OPERATORS_FILE_INVALID', message: expect.stringContaining(file) });
    writeFileSync(file, 'not json');
    await expect(OperatorStore.open({ file, clock })).rejects.toMatchObject({ code: 'OPERATORS_FILE_INVALID' });
    expect(readFileSync(file, 'utf8')).toBe('not json');
  });
});
