// The simulator page: the terminal on the sim board as a customer, a cashier and a tester
// see it. Plain ES module, no build step; live through GET /api/events (a WebSocket), and
// every action through the simulator API of CONTRACT.md, as any other client would.

const $ = (sel) => document.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const c of children) e.append(c);
  return e;
};

async function api(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const r = await fetch(path, init);
  let data = null;
  try {
    data = await r.json();
  } catch {
    // A PNG or an empty body: the status is what matters.
  }
  if (!r.ok) throw new Error(data?.message ?? data?.error ?? `${r.status} ${r.statusText}`);
  return data;
}

function setStatus(node, text, error = false) {
  node.textContent = text;
  node.classList.toggle('error', error);
}

// ---- the keypad ---------------------------------------------------------------------------

// As on the 4x4 membrane keypad: A = CANCEL, B = CLEAR, C = MENU, D = ENTER, * = UP, # = DOWN.
const LAYOUT = [['1', '2', '3', 'CANCEL'], ['4', '5', '6', 'CLEAR'], ['7', '8', '9', 'MENU'], ['UP', '0', 'DOWN', 'ENTER']];
const LABELS = { UP: '▲', DOWN: '▼' };

// Presses go out one after the other: two fetches in flight may reach the server out of order.
let keyChain = Promise.resolve();
function press(key) {
  startAudio();
  const button = document.querySelector(`#keys button[data-key="${key}"]`);
  button?.classList.add('pressed');
  setTimeout(() => button?.classList.remove('pressed'), 120);
  keyChain = keyChain.then(() => api('/api/keys', { keys: [key] })).catch((e) => setStatus($('#card-status'), `key ${key}: ${e.message}`, true));
  return keyChain;
}

for (const row of LAYOUT) {
  for (const k of row) {
    const b = el('button', { type: 'button', textContent: LABELS[k] ?? k });
    b.dataset.key = k;
    b.className = k === 'CANCEL' ? 'cancel' : k === 'ENTER' ? 'enter' : k.length > 1 ? 'fn' : '';
    b.addEventListener('click', () => press(k));
    $('#keys').append(b);
  }
}

const KEYMAP = { Enter: 'ENTER', Escape: 'CANCEL', Backspace: 'CLEAR', m: 'MENU', M: 'MENU', ArrowUp: 'UP', ArrowDown: 'DOWN' };
document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
  const k = /^[0-9]$/.test(e.key) ? e.key : KEYMAP[e.key];
  if (!k) return;
  e.preventDefault();
  press(k);
});

// ---- display, lights, buzzer ----------------------------------------------------------------

const screen = $('.screen');
const png = $('#display-png');
png.addEventListener('error', () => screen.classList.add('text-only')); // a character LCD: no pixels to show
function showDisplay(lines, seq) {
  $('#display').textContent = lines.join('\n');
  if (!screen.classList.contains('text-only')) png.src = `/api/display.png?seq=${seq}`;
}

function showLeds(leds) {
  document.querySelectorAll('.led').forEach((node, i) => node.classList.toggle('on', !!leds[i]));
}

function showStatus(flow, idle) {
  $('#flow').textContent = idle ? 'idle' : flow ? `flow: ${flow}` : '';
}

// The buzzer: a tone while its line is on. Browsers start audio only after a gesture on the page.
let audio = null;
let tone = null;
function startAudio() {
  if (audio || !window.AudioContext) return;
  audio = new AudioContext();
}
document.addEventListener('pointerdown', startAudio, { once: true });
function buzz(on) {
  $('#buzzer').classList.toggle('on', on);
  if (tone) {
    tone.stop();
    tone = null;
  }
  if (!on || !audio || !$('#sound').checked) return;
  if (audio.state === 'suspended') audio.resume();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = 'square';
  osc.frequency.value = 2300; // an active piezo buzzer's own pitch, more or less
  gain.gain.value = 0.05;
  osc.connect(gain).connect(audio.destination);
  osc.start();
  tone = osc;
}

// ---- the card wallet ------------------------------------------------------------------------

const ACTIONS = [
  ['contactless', 'tap', 'Tap'],
  ['chip', 'insert', 'Insert'],
  ['magstripe', 'swipe', 'Swipe'],
];

async function cardAction(action, card) {
  startAudio();
  const status = $('#card-status');
  try {
    await api('/api/card', action === 'remove' ? { action } : { action, card });
    document.querySelectorAll('#cards li').forEach((li) => li.classList.toggle('presented', action !== 'remove' && action !== 'swipe' && li.dataset.card === card));
    setStatus(status, action === 'remove' ? 'card removed' : `${action}: ${card}`);
  } catch (e) {
    setStatus(status, `${action} ${card ?? ''}: ${e.message}`, true);
  }
}

async function loadCards() {
  const cards = await api('/api/cards');
  const list = $('#cards');
  list.replaceChildren();
  for (const c of cards) {
    const actions = el('span', { className: 'actions' });
    for (const [tech, action, label] of ACTIONS) {
      if (!c.technologies.includes(tech)) continue;
      const b = el('button', { type: 'button', textContent: label });
      b.dataset.action = action;
      b.addEventListener('click', () => cardAction(action, c.id));
      actions.append(b);
    }
    const remove = el('button', { type: 'button', textContent: 'Remove', title: 'take the card out of the field and the slot' });
    remove.dataset.action = 'remove';
    remove.addEventListener('click', () => cardAction('remove', c.id));
    actions.append(remove);
    const li = el('li', {}, el('span', { className: 'name', textContent: `${c.brand} · ${c.id}` }), actions, el('span', { className: 'note', textContent: c.note + (c.pinHint ? ` (PIN ${c.pinHint})` : '') }));
    li.dataset.card = c.id;
    list.append(li);
  }
}
$('#remove-card').addEventListener('click', () => cardAction('remove'));

// ---- the printer roll -----------------------------------------------------------------------

const shownReceipts = new Set();
function addReceipt(r) {
  if (shownReceipts.has(r.id)) return;
  shownReceipts.add(r.id);
  const body = $('#receipt-png').checked ? el('img', { src: `/api/receipts/${r.id}.png`, alt: r.text }) : el('pre', { textContent: r.text });
  const node = el('div', { className: 'receipt' }, el('div', { className: 'id', textContent: r.complete === false ? `${r.id} (cut short: paper out)` : r.id }), body);
  node.dataset.id = r.id;
  const roll = $('#roll');
  roll.append(node);
  roll.scrollTop = roll.scrollHeight;
}

async function loadReceipts() {
  $('#roll').replaceChildren();
  shownReceipts.clear();
  for (const r of await api('/api/receipts')) addReceipt(r);
}
$('#receipt-png').addEventListener('change', () => loadReceipts().catch(() => {}));

// ---- journal and host -----------------------------------------------------------------------

const money = (minor) => (minor / 100).toFixed(2);
const cell = (text, cls = '') => el('td', { textContent: text ?? '', className: cls });

const journal = new Map();
function renderJournal() {
  const rows = [...journal.values()].map((r) =>
    el('tr', {}, cell(r.stan), cell(r.type), cell(`${r.currency} ${money(r.amount)}`, 'num'), cell(r.status), cell(r.maskedPan), cell(r.rrn), cell(r.authCode), cell(r.batch, 'num'), cell(r.time?.replace('T', ' ').slice(0, 19))),
  );
  $('#journal tbody').replaceChildren(...rows.reverse());
}
async function loadJournal() {
  journal.clear();
  try {
    for (const r of await api('/api/journal')) journal.set(`${r.batch}/${r.stan}`, r);
  } catch {
    // A terminal without payment services has no journal.
  }
  renderJournal();
}

let ledgerTimer = null;
async function loadLedger() {
  try {
    const rows = await api('/api/host/ledger');
    $('#ledger tbody').replaceChildren(
      ...rows.reverse().map((r) => el('tr', {}, cell(r.stan), cell(r.type), cell(money(r.amount), 'num'), cell(r.status), cell(r.rrn), cell(r.authCode), cell(r.reversed ? 'yes' : ''), cell(r.batch, 'num'))),
    );
    setStatus($('#host-note'), '');
  } catch (e) {
    setStatus($('#host-note'), `ledger: ${e.message}`, true);
  }
}
// The host's ledger has no events of its own: it is read again when the journal moves.
function ledgerSoon() {
  clearTimeout(ledgerTimer);
  ledgerTimer = setTimeout(loadLedger, 150);
}

const FAULTS = ['timeout', 'drop', 'garble', 'badmac', 'disconnect', 'delay:5000', 'decline:51', 'decline:05'];
for (const f of FAULTS) {
  const b = el('button', { type: 'button', textContent: f });
  b.dataset.fault = f;
  b.addEventListener('click', async () => {
    const count = Math.max(1, Math.min(100, Number($('#fault-count').value) || 1));
    try {
      const r = await api('/api/host/faults', { next: f, count });
      setStatus($('#fault-status'), `queued: ${r.pending.map((p) => `${p.next} x${p.count}`).join(', ')}`);
    } catch (e) {
      setStatus($('#fault-status'), e.message, true);
    }
  });
  $('#fault-buttons').append(b);
}

// ---- live events ----------------------------------------------------------------------------

const link = $('#link');
let retryMs = 500;
function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`);
  link.dataset.state = 'connecting';
  link.textContent = 'connecting…';
  ws.addEventListener('open', () => {
    retryMs = 500;
    link.dataset.state = 'open';
    link.textContent = 'live';
    // What happened while the page was away: read once, then follow the events.
    loadReceipts().catch(() => {});
    loadJournal();
    loadLedger();
  });
  ws.addEventListener('message', (m) => {
    let e;
    try {
      e = JSON.parse(m.data);
    } catch {
      return;
    }
    switch (e.type) {
      case 'state':
        showDisplay(e.display.lines, `s${Date.now()}`);
        showLeds(e.leds);
        buzz(e.buzzer);
        showStatus(e.flow, e.idle);
        break;
      case 'display':
        showDisplay(e.lines, e.seq);
        break;
      case 'leds':
        showLeds(e.leds);
        break;
      case 'buzzer':
        buzz(e.on);
        break;
      case 'receipt':
        addReceipt(e);
        break;
      case 'journal':
        journal.set(`${e.record.batch}/${e.record.stan}`, e.record);
        renderJournal();
        ledgerSoon();
        break;
    }
  });
  ws.addEventListener('close', () => {
    link.dataset.state = 'closed';
    link.textContent = 'reconnecting…';
    buzz(false);
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  });
}

loadCards().catch((e) => setStatus($('#card-status'), `cards: ${e.message}`, true));
connect();
