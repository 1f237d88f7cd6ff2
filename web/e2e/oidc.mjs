#!/usr/bin/env node
// Signing in to the editor through an identity provider, in a real browser:
// Debian's Chromium (playwright-core) against a real `weir serve` configured
// with the test suite's OpenID provider (oidc-provider, tests/server/oidc),
// both on loopback with fresh state.
//
//   1. the sign-in page offers "Sign in with Corp SSO";
//   2. the button goes to the provider, whose login and consent forms are
//      filled in; the browser comes back signed in as alice@corp.test
//      (a new account linked by issuer and subject) and sees the app list;
//   3. an admin makes alice an editor of an app: after a reload she sees it;
//   4. signing out ends the session;
//   5. cancelling at the provider brings the browser back to the sign-in
//      page with the refusal explained, and no session.
//
// usage: node e2e/oidc.mjs WEIR PROVIDER_MODULES
//   PROVIDER_MODULES: a directory with oidc-provider's node_modules
//   (tests/server/test_oidc.py install_provider; test_web_oidc_e2e.sh does it).
// Screenshots go to e2e/screenshots/ (oidc-*.png). Prints "N passed, M failed".
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { LAUNCH, freePort, waitFor } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WEB = resolve(here, '..');
const REPO = resolve(WEB, '..');
const WEIR = resolve(process.argv[2] || join(REPO, 'build', 'weir'));
const MODDIR = process.argv[3] ? resolve(process.argv[3]) : '';
const SHOTS = join(here, 'screenshots');
const ADMIN = { email: 'admin@e2e.test', password: 'admin-password-e2e' };
const STEP_TIMEOUT = 20000;

let passed = 0, failed = 0;
function ok(cond, what) {
  if (cond) { passed++; console.log(`ok   ${what}`); } else { failed++; console.log(`FAIL ${what}`); }
  return cond;
}
let onFail = null;
async function step(what, f) {
  try {
    await f();
    ok(true, what);
  } catch (e) {
    ok(false, `${what}: ${String(e?.message ?? e).split('\n')[0]}`);
    await onFail?.(what).catch(() => {});
  }
}
function expect(cond, why) { if (!cond) throw new Error(why); }

const tmp = mkdtempSync(join(tmpdir(), 'weir-e2e-oidc-'));
chmodSync(tmp, 0o700);
const data = join(tmp, 'data');
mkdirSync(data, { mode: 0o700 });
mkdirSync(SHOTS, { recursive: true });
let idp = null, server = null, browser = null, providerScript = '';

function stop(p) {
  return new Promise((res) => {
    if (!p || p.exitCode !== null) return res();
    p.once('exit', res);
    p.kill('SIGTERM');
    setTimeout(() => { try { p.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
  });
}

async function startProvider(cfg) {
  // Next to its node_modules, so its imports resolve; removed at the end.
  providerScript = join(MODDIR, `provider-e2e-${process.pid}.mjs`);
  copyFileSync(join(REPO, 'tests', 'server', 'oidc', 'provider.js'), providerScript);
  const log = openSync(join(tmp, 'provider.log'), 'w');
  idp = spawn('node', [providerScript, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', log] });
  return new Promise((res) => {
    let buf = '';
    const t = setTimeout(() => res(false), 60000);
    idp.stdout.on('data', (d) => { buf += d; if (buf.includes('READY')) { clearTimeout(t); res(true); } });
    idp.once('exit', () => { clearTimeout(t); res(false); });
  });
}

async function api(base, token, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

async function main() {
  if (!ok(MODDIR !== '', 'the provider\'s node_modules are given')) return;
  const [wport, opPort, fakePort, cliPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${wport}`;
  const issuer = `http://127.0.0.1:${opPort}`;
  const weirSecret = `wsec-${randomBytes(18).toString('base64url')}`;
  const callback = `${base}/api/v1/auth/oidc/corp/callback`;
  if (!ok(await startProvider({
    port: opPort, fakePort, weirSecret, weirRedirect: callback, cliSecret: `c-${randomBytes(12).toString('hex')}`,
    cliRedirect: `http://127.0.0.1:${cliPort}/cb`, fakeClientId: 'weir-fake', fakeSecret: `f-${randomBytes(12).toString('hex')}`,
  }), `the test OpenID provider is up at ${issuer}`)) return;

  const config = join(tmp, 'weir.json');
  writeFileSync(config, JSON.stringify({
    oidc_providers: [{
      id: 'corp', name: 'Corp SSO', issuer, client_id: 'weir', client_secret: weirSecret, redirect_url: callback,
      scopes: ['openid', 'email', 'profile'],
    }],
  }), { mode: 0o600 });
  const add = spawnSync(WEIR, ['user', 'add', ADMIN.email, '--admin', '--password-stdin', '--data-dir', data],
    { input: `${ADMIN.password}\n`, encoding: 'utf8' });
  if (!ok(add.status === 0, 'an admin is created with the CLI')) return;
  const tok = spawnSync(WEIR, ['token', 'create', '--user', ADMIN.email, '--name', 'e2e', '--expires-in', '1h', '--data-dir', data],
    { encoding: 'utf8' }).stdout.trim().split('\n').pop();
  const log = openSync(join(tmp, 'server.log'), 'w');
  server = spawn(WEIR, ['serve', '--config', config, '--data-dir', data, '--listen', `127.0.0.1:${wport}`,
    '--web-dir', join(WEB, 'dist'), '--log-level', 'warn'], { stdio: ['ignore', log, log] });
  if (!ok(await waitFor(`${base}/readyz`, 20000), `weir serve ready on ${base}`)) return;
  const app = await api(base, tok, 'POST', '/api/v1/apps', { name: 'SSO App' });
  if (!ok(app.status === 201, 'the admin creates an app')) return;

  browser = await chromium.launch(LAUNCH);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', reducedMotion: 'reduce' });
  let page = await ctx.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && new URL(page.url()).origin === base && !/status of 401/.test(m.text())) errors.push(m.text());
  });
  onFail = async (what) => page.screenshot({ path: join(SHOTS, `oidc-FAILED-${what.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) });
  const me = () => page.evaluate(async () => {
    const r = await fetch('/api/v1/me');
    return { status: r.status, json: r.ok ? await r.json() : null };
  });

  await step('the sign-in page offers the identity provider', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Sign in with Corp SSO' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'oidc-1-signin.png') });
  });
  await step('signing in at the provider (login and consent) comes back signed in, on the app list', async () => {
    await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();
    await page.waitForURL((u) => u.origin === issuer);
    await page.locator('input[name=login]').fill('alice');
    await page.locator('input[name=password]').fill('any password');
    await page.screenshot({ path: join(SHOTS, 'oidc-2-provider-login.png') });
    await page.locator('button[type=submit]').first().click();
    // the consent form, then back to weir
    await page.waitForURL((u) => u.origin === base || /consent|interaction/.test(u.pathname));
    if (new URL(page.url()).origin === issuer) await page.locator('button[type=submit]').first().click();
    await page.waitForURL((u) => u.origin === base);
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    const m = await me();
    expect(m.status === 200, `GET /api/v1/me answered ${m.status}`);
    expect(m.json?.user?.email === 'alice@corp.test', `signed in as ${m.json?.user?.email}`);
    expect(m.json?.credential?.kind === 'session', `credential ${m.json?.credential?.kind}`);
    await page.screenshot({ path: join(SHOTS, 'oidc-3-signed-in.png') });
  });
  await step('made an editor of an app by an admin, alice sees it after a reload', async () => {
    const m = await me();
    const put = await api(base, tok, 'PUT', `/api/v1/apps/${app.json.id}/members/${encodeURIComponent('alice@corp.test')}`, { role: 'editor' });
    expect(put.status === 200, `adding alice answered ${put.status}`);
    expect(m.json?.user?.id, 'alice has an id');
    await page.reload();
    await page.getByRole('link', { name: /SSO App/ }).waitFor();
  });
  await step('signing out ends the session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to weir' }).waitFor();
    const m = await me();
    expect(m.status === 401, `after sign-out /me answered ${m.status}`);
  });
  await step('cancelling at the provider comes back to the sign-in page, explained, without a session', async () => {
    // A new browser profile: the provider has no session of alice's there.
    const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
    page = await ctx2.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();
    await page.waitForURL((u) => u.origin === issuer);
    // weir's answer to the provider's redirect (the editor may tidy the URL once loaded)
    const back = page.waitForResponse((r) => r.url().startsWith(`${base}/api/v1/auth/oidc/corp/callback`));
    await page.getByRole('link', { name: /cancel/i }).first().click();
    const answer = await back;
    const to = answer.headers().location ?? '';
    expect(answer.status() === 302 && to.startsWith('/?signin_error=oidc_provider_refused'), `the callback answered ${answer.status()} to ${to}`);
    await page.getByRole('heading', { name: 'Sign in to weir' }).waitFor();
    await page.getByRole('alert').filter({ hasText: /identity provider/i }).waitFor();
    const m = await me();
    expect(m.status === 401, `no session: /me answered ${m.status}`);
    await page.screenshot({ path: join(SHOTS, 'oidc-4-cancelled.png') });
  });
  ok(errors.length === 0, `no page or console errors${errors.length ? `: ${errors.slice(0, 3).join(' | ')}` : ''}`);
}

try {
  await main();
} catch (e) {
  ok(false, `the suite crashed: ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  await stop(server);
  await stop(idp);
  if (providerScript) try { unlinkSync(providerScript); } catch { /* gone */ }
  if (failed) {
    try { console.log(`--- server log (tail)\n${readFileSync(join(tmp, 'server.log'), 'utf8').split('\n').slice(-15).join('\n')}`); } catch { /* none */ }
    try { console.log(`--- provider log (tail)\n${readFileSync(join(tmp, 'provider.log'), 'utf8').split('\n').slice(-15).join('\n')}`); } catch { /* none */ }
  }
  rmSync(tmp, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
