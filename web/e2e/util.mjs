// util.mjs — what the end-to-end suites (run.mjs, oidc.mjs) share: a free
// loopback port, waiting for a URL to answer, and Chromium's launch options
// (Debian's binary, a fresh headless profile, nothing downloaded).
import { createServer } from 'node:net';

export const CHROMIUM = process.env.WEIR_E2E_CHROMIUM || '/usr/bin/chromium';

export const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
};

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
  });
}

/** True once GET url answers 2xx, false after ms. */
export async function waitFor(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
