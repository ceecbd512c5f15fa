import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/errors.js';
import { askSupervisor, operatorsMenu } from '../../src/flows/operators.js';
import { DEFAULT_SETTINGS, type TerminalSettings } from '../../src/store/config.js';
import { OperatorLockedError, OperatorStore } from '../../src/store/operators.js';
import { returnRig, SUPERVISOR_DEFAULT, type Rig } from './helpers/return-rig.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const open = async (settings: Partial<TerminalSettings> = {}) => (rig = await returnRig({ payments: false, settings }));
const pw = (s: string) => Buffer.from(s, 'ascii');

describe('the supervisor password on the keypad', () => {
  it('masked digits; the default password works once and the screen says it must be changed', async () => {
    const r = await open();
    const asked = r.run((c, s) => askSupervisor(c, s));
    await r.at('Supervisor PW:', '1', '2', '3');
    expect(r.display()[2]).toMatch(/^ *\*\*\*$/);
    expect(r.display().join('|')).not.toMatch(/123/);
    await r.press('4', '5', '6', 'ENTER');
    await r.until(r.shows('Default password'));
    expect(r.display().join('|')).toContain('Please change it');
    await r.press('ENTER');
    await r.finish(asked);
    expect(JSON.stringify(r.logs)).not.toContain('123456');
  });

  it('wrong, wrong, wrong: tries left said, then locked for 5 minutes (OperatorLockedError), also after a restart, until the clock passes', async () => {
    const r = await open();
    const asked = r.run((c, s) => askSupervisor(c, s));
    await r.at('Supervisor PW:', '0', '0', '0', '0', '0', '0', 'ENTER');
    await r.at('Wrong, 2 left', '9', 'ENTER');
    await r.at('Wrong, 1 left', '8', 'ENTER');
    await r.until(r.shows('Operator locked'));
    expect(r.display().join('|')).toContain('Retry in 5 min');
    await expect(r.finish(asked)).rejects.toBeInstanceOf(OperatorLockedError);
    // The right password during the lock: refused at once, nothing asked.
    const again = r.run((c, s) => askSupervisor(c, s));
    await expect(r.finish(again)).rejects.toBeInstanceOf(OperatorLockedError);
    // A restart reads the lock back from operators.json.
    const reopened = await OperatorStore.open({ file: `${r.dataDir}/operators.json`, clock: r.clock });
    expect(reopened.get('00')?.lockedUntil).not.toBeNull();
    await r.clock.advance(5 * 60_000);
    const after = r.run((c, s) => askSupervisor(c, s));
    await r.at('Supervisor PW:', ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at('Default password', 'ENTER');
    await r.finish(after);
  });

  it('CANCEL rejects with CancelledError; no key rejects with TimeoutError(passwordEntryTimeout)', async () => {
    const r = await open({ timeouts: { ...DEFAULT_SETTINGS.timeouts, menuMs: 5_000 } });
    const cancelled = r.run((c, s) => askSupervisor(c, s));
    await r.at('Supervisor PW:', '1', 'CANCEL');
    await expect(r.finish(cancelled)).rejects.toBeInstanceOf(CancelledError);
    const idle = r.run((c, s) => askSupervisor(c, s));
    await expect(r.finish(idle, 10_000)).rejects.toMatchObject({ timeoutName: 'passwordEntryTimeout' });
    expect(idle.error).toBeInstanceOf(TimeoutError);
  });
});

describe('MENU > operators', () => {
  it('the supervisor adds cashier 01, sets a new supervisor password (not the default); the cashier changes their own', async () => {
    const r = await open();
    const manage = r.run((c, s) => operatorsMenu(c, s));
    await r.at('1 My password', '2');
    await r.at('Supervisor PW:', ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at('Default password', 'ENTER');
    // 2: add cashier 01, password 1111 keyed twice (a mismatch first).
    await r.at('2 Add cashier', '2');
    await r.at('Operator no.:', '0', '1', 'ENTER');
    await r.at('New PW:', '1', '1', '1', '1', 'ENTER');
    await r.at('New PW again:', '1', '1', '1', '2', 'ENTER');
    await r.at('Not the same');
    await r.press('1', '1', '1', '1', 'ENTER');
    await r.at('New PW again:', '1', '1', '1', '1', 'ENTER');
    await r.at('Cashier added', 'ENTER');
    // 1: the supervisor's own password: the default is refused, 654321 taken.
    await r.at('3 Remove cashier', '1');
    await r.at('Operator no.:', '0', '0', 'ENTER');
    await r.at('New PW:', ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at('New PW again:', ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at('Not the default', 'ENTER');
    await r.at('New PW:', '6', '5', '4', '3', '2', '1', 'ENTER');
    await r.at('New PW again:', '6', '5', '4', '3', '2', '1', 'ENTER');
    await r.at('PW changed', 'ENTER');
    // Removing the supervisor is refused; CANCEL leaves the menu.
    await r.at('3 Remove cashier', '3');
    await r.at('Operator no.:', '0', '0', 'ENTER');
    await r.at('Keep supervisor', 'ENTER');
    await r.at('3 Remove cashier', 'CANCEL');
    await r.finish(manage);
    expect(await r.operators.verify('00', pw('654321'))).toEqual({ kind: 'ok', mustChange: false });
    expect((await r.operators.verify('01', pw('1111'))).kind).toBe('ok');

    // The cashier changes their own password with their current one.
    const own = r.run((c, s) => operatorsMenu(c, s));
    await r.at('1 My password', '1');
    await r.at('Operator no.:', '0', '1', 'ENTER');
    await r.at('Current PW:', '9', '9', '9', '9', 'ENTER');
    await r.at('Wrong, 2 left', '1', '1', '1', '1', 'ENTER');
    await r.at('New PW:', '2', '2', '2', '2', 'ENTER');
    await r.at('New PW again:', '2', '2', '2', '2', 'ENTER');
    await r.at('PW changed', 'ENTER');
    await r.finish(own);
    expect((await r.operators.verify('01', pw('2222'))).kind).toBe('ok');
    expect(r.display().join('|')).not.toMatch(/2222|1111|654321/);
  });

  it('an unknown operator number is said; removing a cashier asks ENTER first', async () => {
    const r = await open();
    await r.operators.addCashier('05', pw('5555'));
    const own = r.run((c, s) => operatorsMenu(c, s));
    await r.at('1 My password', '1');
    await r.at('Operator no.:', '4', '2', 'ENTER');
    await r.at('No such operator', 'ENTER');
    await r.finish(own);
    const manage = r.run((c, s) => operatorsMenu(c, s));
    await r.at('1 My password', '2');
    await r.at('Supervisor PW:', ...SUPERVISOR_DEFAULT, 'ENTER');
    await r.at('Default password', 'ENTER');
    await r.at('3 Remove cashier', '3');
    await r.at('Operator no.:', '0', '5', 'ENTER');
    await r.at('Remove 05?', 'ENTER');
    await r.at('Cashier removed', 'ENTER');
    await r.at('3 Remove cashier', 'CANCEL');
    await r.finish(manage);
    expect(r.operators.get('05')).toBeUndefined();
  });
});
