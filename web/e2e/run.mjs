#!/usr/bin/env node
// The editor's end-to-end suite: a real `weir serve` (fresh data directory,
// free port) and Debian's Chromium driven by playwright-core (no browser is
// downloaded). A person's path through the editor: sign in, create an app and
// a board, drag nodes from the palette, connect pins (and see a refused
// connection explained), edit literals, save, run, watch the nodes light up,
// read the log, the result and the per-node data, the run history, re-run,
// validation errors on a node, undo, dark theme, a 4K screen, a 500-node board
// panned and zoomed with frame times measured; renaming a node and editing the
// payload outputs of Event with Payload; the back button and an ended session
// with unsaved changes; triggers (a webhook called with the example request
// it shows, a schedule); members and roles; then a viewer who is offered no
// edit or run control and is refused by the server when trying anyway.
//
// usage: node e2e/run.mjs [WEIR]   (default: ../build/weir; env WEIR_E2E_CHROMIUM;
//        WEIR_E2E_BAIL=1 stops at the first failing step)
// Screenshots and perf.json go to e2e/screenshots/. Prints "N passed, M failed".
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { LAUNCH, freePort, waitFor } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WEB = resolve(here, '..');
const REPO = resolve(WEB, '..');
const WEIR = resolve(process.argv[2] || process.env.WEIR || join(REPO, 'build', 'weir'));
const SHOTS = join(here, 'screenshots');
const ADMIN = { email: 'admin@e2e.test', password: 'admin-password-e2e' };
const VIEWER = { email: 'viewer@e2e.test', password: 'viewer-password-e2e' };
const STEP_TIMEOUT = 15000;

let passed = 0, failed = 0;
const failures = [];
let onFail = null; // takes a screenshot of the failing step
function ok(cond, what) {
  if (cond) { passed++; console.log(`ok   ${what}`); }
  else { failed++; failures.push(what); console.log(`FAIL ${what}`); }
  return cond;
}
async function step(what, f) {
  try {
    const r = await f();
    ok(r !== false, what);
  } catch (e) {
    ok(false, `${what}: ${String(e?.message ?? e).split('\n')[0]}`);
    await onFail?.(failed).catch(() => {});
    if (process.env.WEIR_E2E_BAIL) throw new Error('stopped at the first failure (WEIR_E2E_BAIL)');
  }
}

function addUser(data, u, admin) {
  const r = spawnSync(WEIR, ['user', 'add', u.email, ...(admin ? ['--admin'] : []), '--password-stdin', '--data-dir', data],
    { input: `${u.password}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`weir user add ${u.email}: ${r.stderr}`);
}

// ---- the server ---------------------------------------------------------------------

mkdirSync(SHOTS, { recursive: true });
const data = mkdtempSync(join(tmpdir(), 'weir-e2e-'));
chmodSync(data, 0o700);
let server = null, browser = null, ctx = null;
const serverLog = join(data, 'server.log');

async function main() {
  if (!ok(spawnSync('test', ['-x', WEIR]).status === 0, `weir binary at ${WEIR}`)) return;
  if (!ok(spawnSync('test', ['-f', join(WEB, 'dist', 'index.html')]).status === 0, 'the editor is built (web/dist/index.html)')) return;
  addUser(data, ADMIN, true);
  addUser(data, VIEWER, false);
  // An installed package (built beside the binary by sdk/c), not granted its
  // capability: the palette must show it as a package and name what it needs.
  const pkg = join(dirname(WEIR), 'packages', 'http_caller.wasm');
  const inst = spawnSync(WEIR, ['node', 'install', pkg, '--data-dir', data], { encoding: 'utf8' });
  if (!ok(inst.status === 0, `a package is installed (weir node install ${pkg})`)) console.log(inst.stderr);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFd = openSync(serverLog, 'w');
  server = spawn(WEIR, ['serve', '--data-dir', data, '--listen', `127.0.0.1:${port}`, '--web-dir', join(WEB, 'dist'), '--log-level', 'warn'],
    { stdio: ['ignore', logFd, logFd] });
  if (!ok(await waitFor(`${base}/readyz`, 20000), `weir serve ready on ${base}`)) return;

  // ---- static files: headers ----
  await step('GET / serves the editor with a strict CSP and no inline script', async () => {
    const r = await fetch(`${base}/`);
    const html = await r.text();
    const csp = r.headers.get('content-security-policy') ?? '';
    return r.ok && /script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) && !/unsafe-inline/.test(csp)
      && r.headers.get('x-frame-options') === 'DENY' && /text\/html/.test(r.headers.get('content-type') ?? '')
      && !/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) && !/<style/i.test(html) && !/\sstyle=/i.test(html)
      && !/https?:\/\//.test(html.replace(/<!--[\s\S]*?-->/g, ''));
  });
  await step('hashed assets are cached long, index.html revalidated; traversal finds nothing', async () => {
    const html = await (await fetch(`${base}/app/anything/here`)).text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const a = await fetch(`${base}${js}`);
    const idx = await fetch(`${base}/`);
    const bad = await Promise.all(['/assets/..%2f..%2fweir.key', '/assets/.hidden', '/index.html', '/weir.key', '/assets/x/../../weir.key']
      .map((p) => fetch(`${base}${p}`).then((r) => r.status)));
    return a.ok && /immutable/.test(a.headers.get('cache-control') ?? '') && /javascript/.test(a.headers.get('content-type') ?? '')
      && idx.headers.get('cache-control') === 'no-cache' && bad.every((s) => s === 404);
  });

  // A fresh profile (--user-data-dir) for this run only; nothing is downloaded.
  browser = await chromium.launch(LAUNCH);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', reducedMotion: 'reduce' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);

  // Console errors, page errors, CSP violations, failed requests.
  const consoleErrors = [], badResponses = [], allowed = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of/.test(m.text())) return; // judged below, by URL
    consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const u = new URL(r.url());
    const key = `${r.request().method()} ${u.pathname} ${r.status()}`;
    if (!allowed.some((re) => re.test(key))) badResponses.push(key);
  });
  allowed.push(/^GET \/api\/v1\/me 401$/); // before signing in

  const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  onFail = (n) => shot(`failed-${n}`);
  const toast = () => page.locator('.toasts .toast').last();

  // ---- sign in ----
  await page.goto(`${base}/`);
  await step('signed out: the sign-in form shows', async () => {
    await page.getByRole('heading', { name: 'Sign in to weir' }).waitFor();
    await shot('01-sign-in');
  });
  await step('a wrong password is refused with a message', async () => {
    allowed.push(/^POST \/api\/v1\/auth\/login 401$/);
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong e-mail or password.').waitFor();
  });
  await step('the admin signs in and sees the app list', async () => {
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    return await page.getByRole('button', { name: 'New app' }).isVisible();
  });

  // ---- app and board ----
  let appId = '', boardId = '';
  await step('create an app', async () => {
    await page.getByRole('button', { name: 'New app' }).click();
    await page.getByRole('dialog', { name: 'New app' }).getByLabel('Name').fill('E2E App');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(/\/app\/app_[^/]+$/);
    appId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    await page.getByRole('button', { name: 'New board' }).waitFor();
    return appId.startsWith('app_');
  });
  await step('create a board: the editor opens on it', async () => {
    await page.getByRole('button', { name: 'New board' }).click();
    await page.getByRole('dialog', { name: 'New board' }).getByLabel('Name').fill('Hello e2e');
    await page.getByRole('button', { name: 'Create board' }).click();
    await page.waitForURL(/\/app\/app_[^/]+\/brd_/);
    boardId = decodeURIComponent(new URL(page.url()).pathname.split('/')[3]);
    await page.locator('.react-flow__node[data-id="start"]').waitFor();
    return boardId.startsWith('brd_');
  });

  // ---- drawing ----
  const node = (id) => page.locator(`.react-flow__node[data-id="${id}"]`);
  const handle = (id, pin, kind) => node(id).locator(`.react-flow__handle.${kind}[data-handleid="${pin}"]`);
  /** Zoom out twice (room for the nodes to come) and put a Log Info right of
   *  the start node; the start node's box, for placing more. */
  async function roomBesideStart() {
    await page.getByRole('button', { name: 'Zoom Out' }).click();
    await page.getByRole('button', { name: 'Zoom Out' }).click();
    await page.waitForTimeout(300);
    const s = await node('start').boundingBox();
    await drop('log_info', s.width + 80, 0);
    await node('log_info').waitFor();
    return s;
  }
  async function drop(type, dx, dy) {
    const start = await node('start').boundingBox();
    const pane = await page.locator('.react-flow__pane').boundingBox();
    await page.locator(`.palette-item[data-type="${type}"]`).dragTo(page.locator('.react-flow__pane'), {
      targetPosition: { x: start.x - pane.x + dx, y: start.y - pane.y + dy },
    });
  }
  async function connect(from, fromPin, to, toPin) {
    const a = await handle(from, fromPin, 'source').boundingBox();
    const b = await handle(to, toPin, 'target').boundingBox();
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 5 });
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
    await page.mouse.up();
  }
  const edge = (from, fp, to, tp) => page.locator(`.react-flow__edge[data-id="${from}.${fp}->${to}.${tp}"]`);
  const edgeThere = (from, fp, to, tp) => edge(from, fp, to, tp).waitFor({ state: 'attached' });

  await step('the palette searches the catalog', async () => {
    const search = page.getByLabel('Search nodes');
    await search.fill('delay');
    const n = await page.locator('.palette-item').count();
    await search.fill('');
    return n >= 1 && n < 5 && (await page.locator('.palette-item').count()) > 40;
  });
  await step('the palette shows an installed package node with its package and capability badges', async () => {
    const search = page.getByLabel('Search nodes');
    await search.fill('HTTP GET');
    const item = page.locator('.palette-item', { hasText: 'HTTP GET' }).first();
    await item.waitFor();
    const badges = await item.locator('.badge').allInnerTexts();
    await shot('04a-palette-package');
    await search.fill('');
    if (!(badges.includes('pkg') && badges.includes('http'))) throw new Error(`badges of HTTP GET: ${badges.join(', ')}`);
    return true;
  });
  await step('drag Log Info, Delay and Return Result from the palette onto the canvas', async () => {
    const s = await roomBesideStart();
    await drop('delay', 0, s.height + 110);
    await node('delay').waitFor();
    await drop('return_result', s.width + 80, s.height + 110);
    await node('return_result').waitFor();
    await page.getByRole('button', { name: 'Fit the board in view (F)' }).click();
    await page.waitForTimeout(400);
  });
  await step('connect execution pins: start → log → delay → result', async () => {
    await connect('start', 'exec_out', 'log_info', 'exec_in');
    await connect('log_info', 'exec_out', 'delay', 'exec_in');
    await connect('delay', 'exec_out', 'return_result', 'exec_in');
    await edgeThere('start', 'exec_out', 'log_info', 'exec_in');
    await edgeThere('log_info', 'exec_out', 'delay', 'exec_in');
    await edgeThere('delay', 'exec_out', 'return_result', 'exec_in');
  });
  await step('a refused connection is explained (execution output → data input)', async () => {
    await connect('log_info', 'exec_out', 'return_result', 'result');
    await toast().getByText(/already drives an execution input|Execution pins connect only/).waitFor();
    return (await page.locator('.react-flow__edge').count()) === 3;
  });
  await step('literal inputs are edited on the node, by type', async () => {
    await page.getByLabel('message of log_info', { exact: true }).fill('hello from e2e');
    await page.getByLabel('time of delay', { exact: true }).fill('2000');
    await page.getByLabel('result of return_result', { exact: true }).fill('done');
    await page.getByLabel('time of delay', { exact: true }).fill('12x');
    const invalid = await page.getByLabel('time of delay', { exact: true }).getAttribute('aria-invalid');
    await page.getByLabel('time of delay', { exact: true }).fill('2000');
    return invalid === 'true';
  });
  await step('undo and redo an added node (Ctrl+Z, Ctrl+Shift+Z)', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.locator('.palette-item[data-type="int_add"]').dblclick();
    await node('int_add').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await node('int_add').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+Shift+z');
    await node('int_add').waitFor();
    await page.keyboard.press('Control+z');
    await node('int_add').waitFor({ state: 'detached' });
    return await page.getByLabel('message of log_info', { exact: true }).inputValue() === 'hello from e2e';
  });
  await step('a wire dropped on empty canvas offers compatible nodes and connects the one picked', async () => {
    const a = await handle('return_result', 'exec_out', 'source').boundingBox();
    const st = await node('start').boundingBox();
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(st.x - 60, st.y + st.height + 40, { steps: 10 });
    await page.mouse.up();
    const menu = page.getByRole('dialog', { name: 'Add a connected node' });
    await menu.waitFor();
    await menu.getByLabel('Search compatible nodes').fill('log info');
    const first = await menu.getByRole('option').first().innerText();
    await shot('02a-connect-menu');
    await menu.getByLabel('Search compatible nodes').press('Enter');
    await node('log_info_2').waitFor();
    await edgeThere('return_result', 'exec_out', 'log_info_2', 'exec_in');
    await page.keyboard.press('Control+z');
    await node('log_info_2').waitFor({ state: 'detached' });
    return /Log Info/.test(first) && (await page.locator('.react-flow__edge').count()) === 3;
  });
  await step('copy and paste a node (Ctrl+C, Ctrl+V), then undo', async () => {
    await node('delay').locator('.wn-head').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await node('delay_2').waitFor();
    const lit = await page.getByLabel('time of delay_2', { exact: true }).inputValue();
    await page.keyboard.press('Control+z');
    await node('delay_2').waitFor({ state: 'detached' });
    return lit === '2000';
  });
  await step('repeated pins: + and − on a Sequence', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.locator('.palette-item[data-type="control_sequence"]').dblclick();
    await node('control_sequence').waitFor();
    await page.getByRole('button', { name: 'Add one more exec_out pin to control_sequence' }).click();
    await handle('control_sequence', 'exec_out#3', 'source').waitFor();
    await page.getByRole('button', { name: 'Remove the last exec_out pin of control_sequence' }).click();
    await handle('control_sequence', 'exec_out#3', 'source').waitFor({ state: 'detached' });
    const two = await node('control_sequence').locator('.react-flow__handle.source').count();
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    for (let i = 0; i < 3; i++) await page.keyboard.press('Control+z');
    await node('control_sequence').waitFor({ state: 'detached' });
    return two === 2;
  });
  await step('add a comment and write in it', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.getByRole('button', { name: 'Add a comment' }).click();
    const c = page.getByLabel('Comment comment', { exact: true });
    await c.fill('Says hello, waits, returns');
    return (await page.locator('.react-flow__node-comment').count()) === 1;
  });
  await step('leaving with unsaved changes asks first (and staying keeps them)', async () => {
    let asked = '';
    page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'E2E App' }).click();
    await page.waitForTimeout(200);
    return /unsaved changes/.test(asked) && /\/brd_/.test(page.url()) && (await node('return_result').count()) === 1;
  });
  await step('save creates version 2', async () => {
    await page.getByRole('button', { name: 'Save (Ctrl+S)' }).click();
    await toast().getByText('Saved version 2.').waitFor();
    await page.locator('.version-badge', { hasText: 'v2' }).waitFor();
    await shot('02-editor-board');
    const saved = await page.evaluate(async ({ app, board }) => (await (await fetch(`/api/v1/apps/${app}/boards/${board}`)).json()).board, { app: appId, board: boardId });
    return saved.nodes.length === 4 && saved.connections.length === 3 && saved.comments?.[0]?.text === 'Says hello, waits, returns'
      && saved.nodes.find((n) => n.id === 'delay')?.inputs?.time === 2000 && saved.nodes.find((n) => n.id === 'return_result')?.inputs?.result === 'done';
  });

  // ---- running ----
  await step('run: nodes light up live (running), then done', async () => {
    await page.getByRole('button', { name: 'Run (Ctrl+Enter)' }).click();
    const dlg = page.getByRole('dialog', { name: 'Run the board' });
    await dlg.getByLabel('Payload (JSON, optional)').fill('{"who": "e2e"}');
    await dlg.getByRole('button', { name: 'Start run' }).click();
    await node('delay').locator('.wn.st-running').waitFor({ timeout: 5000 });
    const logOk = await node('log_info').locator('.wn.st-ok').count();
    await shot('03-run-live');
    await page.locator('.run-tabs-status .chip.st-completed').waitFor({ timeout: 10000 });
    await node('return_result').locator('.wn.st-ok').waitFor();
    return logOk === 1;
  });
  await step('the run panel shows the log and the result', async () => {
    await page.getByRole('list', { name: 'Run log' }).getByText('hello from e2e').waitFor();
    await page.locator('.run-col pre.json', { hasText: '"done"' }).first().waitFor();
    await shot('04-run-done');
  });
  await step('per-node inputs and outputs', async () => {
    await page.getByRole('tab', { name: 'Node data' }).click();
    const table = page.getByRole('table', { name: 'Node inputs and outputs' });
    await table.waitFor();
    const text = await table.innerText();
    await shot('05-node-data');
    return /log_info/.test(text) && /hello from e2e/.test(text) && /return_result/.test(text);
  });
  await step('run history: the run with status and duration; re-run adds one', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const rows = page.getByRole('table', { name: 'Run history' }).locator('tbody tr');
    await rows.first().waitFor();
    const before = await rows.count();
    await rows.first().getByRole('button', { name: /^Re-run/ }).click();
    await page.locator('.run-tabs-status .chip.st-completed').waitFor({ timeout: 10000 });
    await page.getByRole('tab', { name: 'History' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('.history-table tbody tr').length === n + 1, before);
    const txt = await rows.first().innerText();
    await shot('06-history');
    return before === 1 && /completed/.test(txt) && /v2/.test(txt) && /(µs|ms| s)/.test(txt);
  });
  await step('open a past run on the board', async () => {
    const rows = page.getByRole('table', { name: 'Run history' }).locator('tbody tr');
    await rows.last().getByRole('button', { name: /^Open run/ }).click();
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.getByRole('list', { name: 'Run log' }).getByText('hello from e2e').waitFor();
    return (await node('delay').locator('.wn.st-ok').count()) === 1;
  });

  // ---- validation errors on nodes ----
  await step('validation errors are shown on the node they concern', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.locator('.palette-item[data-type="variable_get"]').dblclick();
    await node('variable_get').waitFor();
    await page.keyboard.press('Control+s');
    await toast().getByText(/Saved version 3, with 1 problem/).waitFor();
    await node('variable_get').locator('.wn.has-errors').waitFor();
    const msg = await node('variable_get').locator('.wn-errors').innerText();
    await shot('07-validation-error');
    await node('variable_get').click({ position: { x: 20, y: 10 } });
    await page.keyboard.press('Delete');
    await node('variable_get').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+s');
    await toast().getByText('Saved version 4.').waitFor();
    return /var_ref|variable/.test(msg);
  });

  // ---- theme and screens ----
  await step('dark theme', async () => {
    await page.getByRole('button', { name: /^Theme:/ }).click();
    const t = await page.evaluate(() => document.documentElement.dataset.theme);
    await shot('08-dark');
    await page.getByRole('button', { name: /^Theme:/ }).click();
    return t === 'dark';
  });
  await step('usable on a 4K screen (3840×2160 at 100 % and at 200 %)', async () => {
    await page.setViewportSize({ width: 3840, height: 2160 });
    await page.getByRole('button', { name: 'Fit the board in view (F)' }).click();
    await page.waitForTimeout(400);
    await shot('09-editor-4k-100');
    const pal = await page.locator('.palette').boundingBox();
    await page.setViewportSize({ width: 1280, height: 800 });
    // 200 %: 1920×1080 CSS pixels at device scale 2, a 4K screen's usual setting.
    const hi = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 2, storageState: await ctx.storageState() });
    const p2 = await hi.newPage();
    await p2.goto(page.url());
    await p2.locator('.react-flow__node[data-id="return_result"]').waitFor();
    await p2.waitForTimeout(400);
    await p2.screenshot({ path: join(SHOTS, '09-editor-4k-200.png') });
    const dpr = await p2.evaluate(() => devicePixelRatio);
    await hi.close();
    return pal && pal.height > 1500 && pal.width >= 300 && dpr === 2;
  });

  // ---- a 500-node board: pan and zoom, frame times ----
  await step('500 nodes pan and zoom smoothly (frame times recorded)', async () => {
    const big = await page.evaluate(async ({ app }) => {
      const me = await (await fetch('/api/v1/me')).json();
      const nodes = [{ id: 'start', type: 'events_simple', x: 0, y: 0 }], connections = [];
      let prev = 'start';
      for (let i = 1; i < 500; i++) {
        const x = (i % 25) * 300, y = Math.floor(i / 25) * 200;
        if (i % 3 === 0) {
          nodes.push({ id: `add${i}`, type: 'int_add', x, y, inputs: { integer1: i, integer2: 2 } });
        } else {
          nodes.push({ id: `log${i}`, type: 'log_info', x, y });
          connections.push({ from: `${prev}.exec_out`, to: `log${i}.exec_in` });
          if (i % 3 === 1 && i > 3) connections.push({ from: `add${i - 1}.sum`, to: `log${i}.message` });
          prev = `log${i}`;
        }
      }
      const r = await fetch(`/api/v1/apps/${app}/boards`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.credential.csrf_token },
        body: JSON.stringify({ name: 'Big board', board: { format: 'weir-board/1', id: 'big', name: 'Big board', nodes, connections } }),
      });
      return (await r.json()).id;
    }, { app: appId });
    const t0 = Date.now();
    await page.goto(`${base}/app/${appId}/${big}`);
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length >= 500, null, { timeout: 30000 });
    const loadMs = Date.now() - t0;
    await page.waitForTimeout(500);
    await shot('10-500-nodes');
    const pane = await page.locator('.react-flow__pane').boundingBox();
    const cx = pane.x + pane.width / 2, cy = pane.y + pane.height / 2;
    await page.evaluate(() => {
      const w = window;
      w.__frames = [];
      w.__measure = true;
      let last = performance.now();
      const f = (t) => { w.__frames.push(t - last); last = t; if (w.__measure) requestAnimationFrame(f); };
      requestAnimationFrame(f);
    });
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 12; i++) { await page.mouse.wheel(0, -100); await page.waitForTimeout(30); }
    await page.keyboard.down('Space');
    await page.mouse.down();
    for (let i = 0; i < 40; i++) await page.mouse.move(cx - i * 12, cy - i * 6);
    await page.mouse.up();
    await page.keyboard.up('Space');
    for (let i = 0; i < 12; i++) { await page.mouse.wheel(0, 100); await page.waitForTimeout(30); }
    const frames = await page.evaluate(() => { window.__measure = false; return window.__frames.slice(1); });
    const sorted = [...frames].sort((a, b) => a - b);
    const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const perf = {
      nodes: 500, viewport: '1280x800', chromium: 'headless, --disable-gpu (software rendering)',
      load_ms: loadMs, frames: frames.length,
      frame_ms: { p50: +q(0.5).toFixed(1), p90: +q(0.9).toFixed(1), p95: +q(0.95).toFixed(1), max: +sorted[sorted.length - 1].toFixed(1) },
      fps_median: +(1000 / q(0.5)).toFixed(1),
    };
    writeFileSync(join(SHOTS, 'perf.json'), `${JSON.stringify(perf, null, 2)}\n`);
    console.log(`     perf: ${JSON.stringify(perf)}`);
    return frames.length > 30 && perf.frame_ms.p50 < 50;
  });

  // ---- board and app list: rename and delete ----
  await step('rename a board (a new version) and delete another; rename the app', async () => {
    await page.goto(`${base}/app/${appId}`);
    const table = page.getByRole('table', { name: 'Boards' });
    await table.waitFor();
    await page.getByRole('button', { name: 'Rename board Big board' }).click();
    await page.getByRole('dialog', { name: 'Rename board' }).getByLabel('Name').fill('Big board renamed');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await table.getByRole('link', { name: 'Big board renamed' }).waitFor();
    const v = await table.getByRole('button', { name: 'Versions of Big board renamed' }).innerText();
    await page.getByRole('button', { name: 'Delete board Big board renamed' }).click();
    await page.getByRole('dialog', { name: 'Delete board' }).getByRole('button', { name: 'Delete board' }).click();
    await table.getByRole('link', { name: 'Big board renamed' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Versions of Hello e2e' }).click();
    // The list replaces a "Loading versions…" placeholder; count only once it is there.
    const versionList = page.getByRole('list', { name: 'Versions of Hello e2e' });
    await versionList.waitFor();
    const versions = await versionList.getByRole('link').count();
    await shot('10a-boards');
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('button', { name: 'Rename app E2E App' }).click();
    await page.getByRole('dialog', { name: 'Rename app' }).getByLabel('Name').fill('E2E App');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('dialog', { name: 'Rename app' }).waitFor({ state: 'hidden' });
    const deleteApp = await page.getByRole('button', { name: 'Delete app E2E App' }).count();
    if (!(/v2/.test(v) && versions === 4 && deleteApp === 1)) throw new Error(`renamed board shows ${v}, Hello e2e has ${versions} versions, ${deleteApp} delete button(s)`);
    return true;
  });

  // ---- node ids and payload outputs ----
  let hookBoard = '';
  const inspector = () => page.getByRole('complementary', { name: 'Selected node' });
  await step('rename a node: its wires follow; a taken id is refused with the reason', async () => {
    await page.goto(`${base}/app/${appId}`);
    await page.getByRole('button', { name: 'New board' }).click();
    await page.getByRole('dialog', { name: 'New board' }).getByLabel('Name').fill('Webhook e2e');
    await page.getByRole('button', { name: 'Create board' }).click();
    await page.waitForURL(/\/app\/app_[^/]+\/brd_/);
    hookBoard = decodeURIComponent(new URL(page.url()).pathname.split('/')[3]);
    await node('start').waitFor();
    const s = await roomBesideStart();
    await connect('start', 'exec_out', 'log_info', 'exec_in');
    await edgeThere('start', 'exec_out', 'log_info', 'exec_in');
    await node('log_info').locator('.wn-head').click();
    await inspector().getByLabel('Id of log_info').fill('start');
    await inspector().getByLabel('Id of log_info').press('Enter');
    const refused = await inspector().getByRole('alert').innerText();
    await inspector().getByLabel('Id of log_info').fill('greet');
    await inspector().getByLabel('Id of log_info').press('Enter');
    await node('greet').waitFor();
    await edgeThere('start', 'exec_out', 'greet', 'exec_in');
    const old = await node('log_info').count();
    if (!/already/.test(refused) || old !== 0) throw new Error(`refusal "${refused}", ${old} node(s) still called log_info`);
  });
  await step('payload outputs (extra_pins) of Event with Payload: add, rename, type; wires follow', async () => {
    const s = await node('start').boundingBox();
    await drop('events_generic', 0, s.height + 120);
    await node('events_generic').waitFor();
    await inspector().getByLabel('Id of events_generic').fill('hook');
    await inspector().getByLabel('Id of events_generic').press('Enter');
    await node('hook').waitFor();
    await inspector().getByRole('button', { name: 'Add a payload output to hook' }).click();
    await handle('hook', 'field', 'source').waitFor();
    await inspector().getByLabel('Name of payload output 1').fill('who');
    await inspector().getByLabel('Name of payload output 1').press('Enter');
    await handle('hook', 'who', 'source').waitFor();
    await inspector().getByLabel('Type of payload output 1', { exact: true }).selectOption('integer');
    const integerPin = await handle('hook', 'who', 'source').getAttribute('class');
    await inspector().getByLabel('Type of payload output 1', { exact: true }).selectOption('string');
    await shot('13a-extra-pins');
    await drop('return_result', s.width + 120, s.height + 200);
    await node('return_result').waitFor();
    await page.getByRole('button', { name: 'Fit the board in view (F)' }).click();
    await page.waitForTimeout(400);
    await connect('hook', 'who', 'greet', 'message');
    await edgeThere('hook', 'who', 'greet', 'message');
    await connect('hook', 'exec_out', 'greet', 'exec_in');
    await edgeThere('hook', 'exec_out', 'greet', 'exec_in');
    await connect('greet', 'exec_out', 'return_result', 'exec_in');
    await connect('hook', 'who', 'return_result', 'result');
    await edgeThere('hook', 'who', 'greet', 'message');
    await edgeThere('hook', 'who', 'return_result', 'result');
    // Renaming the output moves its two wires.
    await node('hook').locator('.wn-head').click();
    await inspector().getByLabel('Name of payload output 1').fill('person');
    await inspector().getByLabel('Name of payload output 1').press('Enter');
    await edgeThere('hook', 'person', 'greet', 'message');
    await edgeThere('hook', 'person', 'return_result', 'result');
    await inspector().getByLabel('Name of payload output 1').fill('who');
    await inspector().getByLabel('Name of payload output 1').press('Enter');
    await edgeThere('hook', 'who', 'greet', 'message');
    await page.keyboard.press('Control+s');
    await toast().getByText('Saved version 2.').waitFor();
    const saved = await page.evaluate(async ({ app, board }) => (await (await fetch(`/api/v1/apps/${app}/boards/${board}`)).json()).board, { app: appId, board: hookBoard });
    const hook = saved.nodes.find((n) => n.id === 'hook');
    const conns = saved.connections.map((c) => `${c.from}->${c.to}`).sort().join(' ');
    const want = 'greet.exec_out->return_result.exec_in hook.exec_out->greet.exec_in hook.who->greet.message hook.who->return_result.result start.exec_out->greet.exec_in';
    if (!/t-integer/.test(integerPin ?? '')) throw new Error(`pin class after choosing integer: ${integerPin}`);
    if (JSON.stringify(hook?.extra_pins) !== '[{"name":"who","direction":"out","type":"string","value_type":"normal"}]') throw new Error(`extra_pins saved: ${JSON.stringify(hook?.extra_pins)}`);
    if (conns !== want) throw new Error(`connections saved: ${conns}`);
  });
  await step('the back button with unsaved changes asks first (and staying keeps them)', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.getByRole('button', { name: 'Add a comment' }).click();
    await page.getByLabel('Comment comment', { exact: true }).fill('webhook board');
    let asked = '';
    page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
    await page.goBack();
    await page.waitForTimeout(300);
    const url = page.url();
    const comment = await page.getByLabel('Comment comment', { exact: true }).count();
    if (!/unsaved changes/.test(asked) || !url.includes(hookBoard) || comment !== 1) throw new Error(`asked "${asked}", at ${url}, ${comment} comment(s)`);
  });
  await step('the session ends before a save: sign in again over the board, nothing is lost, then save', async () => {
    allowed.push(/^PUT \/api\/v1\/apps\/[^/]+\/boards\/[^/]+ 401$/);
    // End the session on the server behind the editor's back, as an expiry does.
    const ended = await page.evaluate(async () => {
      const me = await (await fetch('/api/v1/me')).json();
      return (await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': me.credential.csrf_token } })).status;
    });
    if (ended !== 204) throw new Error(`sign-out behind the editor answered ${ended}`);
    await page.keyboard.press('Control+s');
    const dlg = page.getByRole('dialog', { name: 'Sign in again' });
    await dlg.waitFor();
    const kept = await page.evaluate(({ app, board }) => sessionStorage.getItem(`weir.draft.${app}.${board}`), { app: appId, board: hookBoard });
    await shot('13b-session-expired');
    await dlg.getByLabel(/^E-mail ?/).fill(ADMIN.email);
    await dlg.getByLabel('Password').fill(ADMIN.password);
    await dlg.getByRole('button', { name: 'Sign in' }).click();
    await dlg.waitFor({ state: 'hidden' });
    const comment = await page.getByLabel('Comment comment', { exact: true }).inputValue();
    await page.getByRole('button', { name: 'Save (Ctrl+S)' }).click();
    await toast().getByText('Saved version 3.').waitFor();
    const left = await page.evaluate(({ app, board }) => sessionStorage.getItem(`weir.draft.${app}.${board}`), { app: appId, board: hookBoard });
    if (!kept || !/webhook board/.test(kept) || comment !== 'webhook board' || left !== null) throw new Error(`draft kept: ${!!kept}, comment "${comment}", draft left after save: ${left !== null}`);
  });

  // ---- triggers ----
  let apiKey = '';
  const appNav = () => page.getByRole('navigation', { name: 'App sections' });
  await step('create a webhook trigger: its URL and example request show', async () => {
    await page.goto(`${base}/app/${appId}`);
    await appNav().getByRole('link', { name: 'Triggers' }).click();
    await page.getByText('No triggers yet.').waitFor();
    await page.getByRole('button', { name: 'New trigger' }).click();
    const dlg = page.getByRole('dialog', { name: 'New trigger' });
    await dlg.getByRole('radio', { name: /^Webhook/ }).check();
    await dlg.getByLabel('Name', { exact: true }).fill('hello-hook');
    await dlg.getByLabel(/^Board ?/).selectOption({ label: 'Webhook e2e' });
    await dlg.getByLabel(/^Start node ?/).locator('option[value="hook"]').waitFor({ state: 'attached' });
    await dlg.getByLabel(/^Start node ?/).selectOption('hook');
    await shot('14a-trigger-new');
    await dlg.getByRole('button', { name: 'Create trigger' }).click();
    await dlg.waitFor({ state: 'hidden' });
    const details = page.getByRole('region', { name: 'Trigger hello-hook' });
    await details.waitFor();
    const url = await details.getByLabel('Webhook URL', { exact: true }).inputValue();
    const example = await details.getByLabel('Example request', { exact: true }).innerText();
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await details.getByRole('button', { name: 'Copy example request' }).click();
    await toast().getByText('Example request copied.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    if (copied !== example) throw new Error(`copied ${JSON.stringify(copied)}, shown ${JSON.stringify(example)}`);
    if (url !== `${base}/hooks/${appId}/hello-hook`) throw new Error(`webhook URL ${url}`);
    if (!example.includes(`curl -X POST '${url}'`) || !example.includes(`'{"who":"who text"}'`) || !example.includes('$WEIR_API_KEY')) throw new Error(`example request: ${example}`);
  });
  await step('create an API key for it; POST the example request: the result comes back and the run shows', async () => {
    const details = page.getByRole('region', { name: 'Trigger hello-hook' });
    await details.getByRole('button', { name: 'Create an API key for this webhook' }).click();
    const dlg = page.getByRole('dialog', { name: 'New API key' });
    await dlg.getByLabel(/^Role ?/).locator('option[value="operator"]').waitFor({ state: 'attached' });
    await dlg.getByRole('button', { name: 'Create key' }).click();
    await dlg.waitFor({ state: 'hidden' });
    await details.getByText(/API key .* created/).waitFor();
    const example = await details.getByLabel('Example request', { exact: true }).innerText();
    // Run what the page shows: the URL, the key and the body, as curl would send them.
    const url = /curl -X POST '([^']+)'/.exec(example)?.[1];
    apiKey = /Authorization: Bearer (weirk_[A-Za-z0-9_-]+)/.exec(example)?.[1] ?? '';
    const body = /-d '(.*)'$/m.exec(example)?.[1];
    if (!url || !apiKey || !body) throw new Error(`example request not understood: ${example}`);
    const r = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' }, body });
    const result = await r.json();
    const runId = r.headers.get('x-weir-run-id');
    if (r.status !== 200 || result !== 'who text' || !runId) throw new Error(`webhook answered ${r.status} ${JSON.stringify(result)}, run ${runId}`);
    await details.getByRole('button', { name: 'Refresh the runs of hello-hook' }).click();
    const runs = details.getByRole('list', { name: 'Runs of hello-hook' });
    await runs.waitFor();
    await runs.getByRole('link', { name: runId }).waitFor();
    const chip = await runs.locator('li', { hasText: runId }).locator('.chip').innerText();
    await shot('14b-trigger-webhook');
    if (chip !== 'completed') throw new Error(`run ${runId} shows ${chip}`);
  });
  await step('create a schedule trigger with a cron and a time zone, then edit it', async () => {
    await page.getByRole('button', { name: 'New trigger' }).click();
    const dlg = page.getByRole('dialog', { name: 'New trigger' });
    await dlg.getByRole('radio', { name: /^Schedule/ }).check();
    await dlg.getByLabel('Name', { exact: true }).fill('nightly');
    await dlg.getByLabel(/^Board ?/).selectOption({ label: 'Hello e2e' });
    await dlg.getByLabel('Cron expression', { exact: true }).fill('30 2 * *');
    await dlg.getByLabel(/^Time zone ?/).fill('Europe/Berlin');
    await dlg.getByRole('button', { name: 'Create trigger' }).click();
    const refused = await dlg.getByRole('alert').innerText();
    // A line of five fields that the server refuses: its reason shows.
    allowed.push(/^POST \/api\/v1\/apps\/[^/]+\/events 422$/);
    await dlg.getByLabel('Cron expression', { exact: true }).fill('61 2 * * *');
    await dlg.getByRole('button', { name: 'Create trigger' }).click();
    await dlg.getByRole('alert').getByText(/out of range/).waitFor();
    const serverSaid = await dlg.getByRole('alert').innerText();
    await dlg.getByLabel('Cron expression', { exact: true }).fill('30 2 * * *');
    await shot('14c-trigger-schedule-new');
    await dlg.getByRole('button', { name: 'Create trigger' }).click();
    await dlg.waitFor({ state: 'hidden' });
    const table = page.getByRole('table', { name: 'Triggers' });
    await table.getByText('30 2 * * * (Europe/Berlin)').waitFor();
    const details = page.getByRole('region', { name: 'Trigger nightly' });
    await details.waitFor();
    const facts = await details.locator('dl.facts').innerText();
    await page.getByRole('button', { name: 'Edit trigger nightly' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit trigger' });
    await edit.getByLabel('Cron expression', { exact: true }).fill('0 9 * * MON-FRI');
    await edit.getByRole('button', { name: 'Save trigger' }).click();
    await edit.waitFor({ state: 'hidden' });
    await table.getByText('0 9 * * MON-FRI (Europe/Berlin)').waitFor();
    await shot('14d-triggers');
    const ev = await page.evaluate(async ({ app }) => (await (await fetch(`/api/v1/apps/${app}/events/nightly`)).json()), { app: appId });
    if (!/this one has 4/.test(refused)) throw new Error(`a 4-field cron line was answered "${refused}"`);
    if (!/minute: 61 is out of range/.test(serverSaid)) throw new Error(`the server's refusal of minute 61 shows as "${serverSaid}"`);
    if (!/Europe\/Berlin/.test(facts) || /Next run\s*—/.test(facts)) throw new Error(`schedule details: ${facts}`);
    if (ev.config?.cron !== '0 9 * * MON-FRI' || ev.config?.timezone !== 'Europe/Berlin' || ev.kind !== 'schedule' || !ev.next_fire_at) throw new Error(`saved event: ${JSON.stringify(ev)}`);
  });
  await step('triggers in the dark theme and on a 4K screen', async () => {
    await page.getByRole('button', { name: /^Theme:/ }).click();
    await page.getByRole('button', { name: 'Details of hello-hook' }).click();
    await page.getByRole('region', { name: 'Trigger hello-hook' }).waitFor();
    await shot('14e-triggers-dark');
    await page.getByRole('button', { name: /^Theme:/ }).click();
    await page.setViewportSize({ width: 3840, height: 2160 });
    await page.waitForTimeout(200);
    await shot('14f-triggers-4k');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  // ---- members and roles ----
  await step('members: a user who does not exist is refused with the server\'s reason', async () => {
    allowed.push(/^PUT \/api\/v1\/apps\/[^/]+\/members\/[^/]+ 404$/);
    await appNav().getByRole('link', { name: 'Members & roles' }).click();
    const members = page.getByRole('table', { name: 'Members' });
    await members.waitFor();
    await page.getByRole('table', { name: 'Roles' }).waitFor();
    const me = await members.locator('tbody tr').first().innerText();
    const ownSelect = await members.getByLabel(`Role of ${ADMIN.email}`).count();
    await page.getByRole('button', { name: 'Add member' }).click();
    const dlg = page.getByRole('dialog', { name: 'Add member' });
    await dlg.getByLabel(/^E-mail ?/).fill('nobody@e2e.test');
    await dlg.getByRole('button', { name: 'Add member' }).click();
    const refused = await dlg.getByRole('alert').innerText();
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    if (!/owner/.test(me) || !/\(you\)/.test(me) || ownSelect !== 0) throw new Error(`own row "${me}", ${ownSelect} role select(s) on it`);
    if (!/no such user/.test(refused)) throw new Error(`refusal: ${refused}`);
  });
  await step('make the viewer a member with the viewer role (members screen)', async () => {
    await page.getByRole('button', { name: 'Add member' }).click();
    const dlg = page.getByRole('dialog', { name: 'Add member' });
    await dlg.getByLabel(/^E-mail ?/).fill(VIEWER.email);
    await dlg.getByLabel(/^Role ?/).selectOption('operator');
    await dlg.getByRole('button', { name: 'Add member' }).click();
    await dlg.waitFor({ state: 'hidden' });
    const role = page.getByRole('table', { name: 'Members' }).getByLabel(`Role of ${VIEWER.email}`);
    await role.waitFor();
    const first = await role.inputValue();
    await role.selectOption('viewer');
    await toast().getByText(`${VIEWER.email} is now viewer.`).waitFor();
    const list = await page.evaluate(async ({ app }) => (await (await fetch(`/api/v1/apps/${app}/members`)).json()).items, { app: appId });
    const v = list.find((m) => m.email === VIEWER.email);
    if (first !== 'operator' || v?.role !== 'viewer') throw new Error(`joined as ${first}, now ${v?.role}`);
  });
  await step('roles: create a custom role with its permissions, edit it, delete it', async () => {
    await page.getByRole('button', { name: 'New role' }).click();
    const dlg = page.getByRole('dialog', { name: 'New role' });
    await dlg.getByLabel('Name', { exact: true }).fill('hook-caller');
    await dlg.getByRole('checkbox', { name: /^execute_events/ }).check();
    await dlg.getByRole('checkbox', { name: /^write_boards/ }).check();
    const impliedRead = await dlg.getByRole('checkbox', { name: /^read_boards/ }).isChecked();
    await shot('15a-role-new');
    await dlg.getByRole('button', { name: 'Create role' }).click();
    await dlg.waitFor({ state: 'hidden' });
    const perms = page.getByRole('list', { name: 'Permissions of hook-caller' });
    await perms.waitFor();
    const before = await perms.innerText();
    await page.getByRole('button', { name: 'Edit role hook-caller' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit role hook-caller' });
    await edit.getByRole('checkbox', { name: /^write_boards/ }).uncheck();
    await edit.getByRole('button', { name: 'Save role' }).click();
    await edit.waitFor({ state: 'hidden' });
    await perms.getByText('write_boards').waitFor({ state: 'detached' });
    const builtinEdits = await page.getByRole('button', { name: /^(Edit|Delete) role (owner|admin|editor|operator|viewer)$/ }).count();
    await shot('15b-members');
    await page.getByRole('button', { name: 'Delete role hook-caller' }).click();
    await page.getByRole('dialog', { name: 'Delete role' }).getByRole('button', { name: 'Delete role' }).click();
    await perms.waitFor({ state: 'detached' });
    if (!impliedRead || !/execute_events/.test(before) || !/write_boards/.test(before) || builtinEdits !== 0) throw new Error(`read_boards implied: ${impliedRead}, permissions "${before}", ${builtinEdits} edit buttons on built-in roles`);
  });
  await step('members in the dark theme', async () => {
    await page.getByRole('button', { name: /^Theme:/ }).click();
    await shot('15c-members-dark');
    await page.getByRole('button', { name: /^Theme:/ }).click();
  });

  // ---- the viewer ----
  await step('sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to weir' }).waitFor();
  });
  await step('the viewer signs in: no New app, no New board, no rename or delete', async () => {
    await page.getByLabel('E-mail').fill(VIEWER.email);
    await page.getByLabel('Password').fill(VIEWER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    const newApp = await page.getByRole('button', { name: 'New app' }).count();
    const role = await page.locator('.role').first().innerText();
    await page.getByRole('link', { name: /E2E App/ }).click();
    await page.getByRole('table', { name: 'Boards' }).waitFor();
    const newBoard = await page.getByRole('button', { name: 'New board' }).count();
    const edits = await page.getByRole('button', { name: /^(Rename|Delete) board/ }).count();
    await shot('11-viewer-boards');
    return newApp === 0 && role === 'viewer' && newBoard === 0 && edits === 0;
  });
  await step('the viewer: triggers read-only, no members and roles screen', async () => {
    const sections = await appNav().getByRole('link').allInnerTexts();
    await appNav().getByRole('link', { name: 'Triggers' }).click();
    const table = page.getByRole('table', { name: 'Triggers' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').count();
    const edits = await page.getByRole('button', { name: /^(New trigger|Edit trigger|Delete trigger)/ }).count();
    await page.getByRole('button', { name: 'Details of hello-hook' }).click();
    const details = page.getByRole('region', { name: 'Trigger hello-hook' });
    await details.getByLabel('Webhook URL', { exact: true }).waitFor();
    const keyButton = await details.getByRole('button', { name: 'Create an API key for this webhook' }).count();
    await shot('16-viewer-triggers');
    await page.goto(`${base}/app/${appId}/members`);
    await page.getByText(/cannot see this app's members or roles/).waitFor();
    const memberControls = await page.getByRole('button', { name: /^(Add member|New role|Remove member)/ }).count();
    await page.getByRole('link', { name: 'Back to the boards' }).click();
    await page.getByRole('table', { name: 'Boards' }).waitFor();
    if (sections.join(',') !== 'Boards,Triggers' || rows !== 2 || edits !== 0 || keyButton !== 0 || memberControls !== 0) {
      throw new Error(`sections ${sections.join(',')}, ${rows} trigger rows, ${edits} trigger edit controls, ${keyButton} key buttons, ${memberControls} member controls`);
    }
  });
  await step('the viewer sees the board read-only: no palette, no save, no run', async () => {
    await page.getByRole('link', { name: 'Hello e2e' }).click();
    await node('log_info').waitFor();
    const palette = await page.locator('.palette').count();
    const save = await page.getByRole('button', { name: 'Save (Ctrl+S)' }).count();
    const run = await page.getByRole('button', { name: 'Run (Ctrl+Enter)' }).count();
    const badge = await page.getByText('View only').count();
    const literalReadOnly = await page.getByLabel('message of log_info', { exact: true }).getAttribute('readonly');
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('table', { name: 'Run history' }).waitFor();
    await page.getByRole('tab', { name: 'Node data' }).click();
    const noData = await page.getByText('Your role cannot read run data').count();
    await shot('12-viewer-editor');
    return palette === 0 && save === 0 && run === 0 && badge === 1 && literalReadOnly !== null && noData >= 1;
  });
  await step('the viewer is denied by the server (save and run: 403)', async () => {
    allowed.push(/^PUT \/api\/v1\/apps\/[^/]+\/boards\/[^/]+ 403$/, /^POST \/api\/v1\/apps\/[^/]+\/boards\/[^/]+\/runs 403$/);
    const st = await page.evaluate(async ({ app, board }) => {
      const me = await (await fetch('/api/v1/me')).json();
      const h = { 'Content-Type': 'application/json', 'X-CSRF-Token': me.credential.csrf_token };
      const b = await (await fetch(`/api/v1/apps/${app}/boards/${board}`)).json();
      const put = await fetch(`/api/v1/apps/${app}/boards/${board}`, { method: 'PUT', headers: h, body: JSON.stringify({ board: b.board }) });
      const run = await fetch(`/api/v1/apps/${app}/boards/${board}/runs`, { method: 'POST', headers: h, body: '{}' });
      return [put.status, run.status];
    }, { app: appId, board: boardId });
    return st[0] === 403 && st[1] === 403;
  });

  await step('no console errors and no CSP violation', () => {
    if (consoleErrors.length) console.log(consoleErrors.map((e) => `     console: ${e}`).join('\n'));
    return consoleErrors.length === 0;
  });
  await step('no unexpected failed request', () => {
    if (badResponses.length) console.log(badResponses.map((e) => `     response: ${e}`).join('\n'));
    return badResponses.length === 0;
  });
}

try {
  await main();
} catch (e) {
  ok(false, `unexpected: ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  if (server) {
    server.kill('SIGTERM');
    await new Promise((r) => { server.on('exit', r); setTimeout(r, 5000); });
  }
  if (failed) {
    try { console.log(`--- server log (tail)\n${readFileSync(serverLog, 'utf8').split('\n').slice(-30).join('\n')}`); } catch { /* none */ }
  }
  rmSync(data, { recursive: true, force: true });
  console.log(`screenshots: ${SHOTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
