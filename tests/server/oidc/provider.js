// provider.js — the identity providers tests/server/test_oidc.py signs in against.
//
// Started by the test (node provider.mjs '<json config>'; the test copies this
// file next to its node_modules, installed with `npm ci` from the committed
// lock). Two HTTP servers on 127.0.0.1:
//
//  1. cfg.port: oidc-provider, a certified OpenID provider, with two clients
//     ("weir", the server under test; "cli", the test acting as an API client
//     to get access tokens), PKCE required, the development interactions
//     (a login form taking any login, and a consent form) and JWT access
//     tokens for the resource urn:weir:api (audience "weir-api") and
//     urn:other:api (audience "other-api"). Control endpoints under /__test/:
//     POST /__test/rotate (new signing key; the old one leaves the JWKS),
//     POST /__test/groups {account, groups}, GET /__test/stats.
//
//  2. cfg.fakePort: a hand-made issuer at /fake (discovery, JWKS, authorize,
//     token) that returns crafted ID tokens — expired, wrong audience,
//     alg none, bad signature… — chosen by POST /__test/mode {mode}; oidc-provider
//     never mints invalid tokens. /mismatch serves a discovery document naming
//     another issuer. GET /__test/mint?mode=…&kind=at|id gives a crafted token
//     directly; GET /__test/stats counts JWKS and token requests and says
//     whether the last code exchange carried the right PKCE verifier;
//     POST /__test/publish adds the "f-new" key to the JWKS.
//
// Prints "READY" on stdout when both listen.
import crypto from 'node:crypto';
import http from 'node:http';
import { URL, URLSearchParams } from 'node:url';

import Provider, { errors } from 'oidc-provider';
import * as jose from 'jose';

const cfg = JSON.parse(process.argv[2]);
let listening = 0;
function ready() {
  if (++listening === 2) console.log('READY');
}
const issuer = `http://127.0.0.1:${cfg.port}`;
const fakeBase = `http://127.0.0.1:${cfg.fakePort}`;

// ---- the real provider ------------------------------------------------------------

const accounts = new Map(Object.entries({
  alice: { email: 'alice@corp.test', email_verified: true, name: 'Alice', groups: ['weir-editors'] },
  bob: { email: 'bob@corp.test', email_verified: false, name: 'Bob', groups: [] },
  carol: { email: 'carol@corp.test', email_verified: true, name: 'Carol', groups: [] },
}));

async function findAccount(ctx, id) {
  return {
    accountId: id,
    async claims() {
      return { sub: id, ...(accounts.get(id) || {}) };
    },
  };
}

async function rsaJwk(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return { ...(await jose.exportJWK(privateKey)), kid, use: 'sig', alg: 'RS256' };
}

const resources = {
  'urn:weir:api': { scope: 'api', audience: 'weir-api', accessTokenFormat: 'jwt', accessTokenTTL: 3600 },
  'urn:other:api': { scope: 'api', audience: 'other-api', accessTokenFormat: 'jwt', accessTokenTTL: 3600 },
};

function makeProvider(keys) {
  const p = new Provider(issuer, {
    clients: [
      {
        client_id: 'weir', client_secret: cfg.weirSecret, redirect_uris: [cfg.weirRedirect],
        grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'cli', client_secret: cfg.cliSecret, redirect_uris: [cfg.cliRedirect],
        grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys },
    findAccount,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups', 'api'],
    conformIdTokenClaims: false,          // claims of granted scopes go in the ID token
    pkce: { required: () => true },       // a code exchange without its verifier is refused
    cookies: { keys: ['weir-test-cookie-key-0123456789abcdef'] },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator) => {
          if (resources[indicator]) return resources[indicator];
          throw new errors.InvalidTarget();
        },
      },
    },
  });
  p.proxy = false;
  return p;
}

let keys = [await rsaJwk('k1')];
let provider = makeProvider(keys);
let handler = provider.callback();
const opStats = { jwks: 0, token: 0, rotations: 0 };

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function json(res, status, obj, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(obj));
}

http.createServer(async (req, res) => {
  const u = new URL(req.url, issuer);
  if (u.pathname === '/__test/rotate' && req.method === 'POST') {
    keys = [await rsaJwk(`k${opStats.rotations + 2}`)];   // the old key is gone from the JWKS
    provider = makeProvider(keys);
    handler = provider.callback();
    opStats.rotations++;
    return json(res, 200, { kid: keys[0].kid });
  }
  if (u.pathname === '/__test/groups' && req.method === 'POST') {
    const b = JSON.parse(await readBody(req));
    accounts.set(b.account, { ...(accounts.get(b.account) || {}), groups: b.groups });
    return json(res, 200, {});
  }
  if (u.pathname === '/__test/stats') return json(res, 200, { ...opStats, kid: keys[0].kid });
  if (u.pathname === '/jwks') opStats.jwks++;
  if (u.pathname === '/token') opStats.token++;
  return handler(req, res);
}).listen(cfg.port, '127.0.0.1', ready);

// ---- the hand-made issuer --------------------------------------------------------------

const fakeIss = `${fakeBase}/fake`;
const fk = {};
for (const [name, alg, opts] of [['f-rsa', 'RS256', { modulusLength: 2048 }], ['f-ec', 'ES256', {}], ['f-ed', 'EdDSA', { crv: 'Ed25519' }],
  ['f-evil', 'RS256', { modulusLength: 2048 }], ['f-new', 'RS256', { modulusLength: 2048 }], ['f-small', 'RS256', { modulusLength: 1024 }]]) {
  // jose refuses RSA keys under 2048 bits; the small one comes from node:crypto
  const pair = name === 'f-small'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 1024 })
    : await jose.generateKeyPair(alg, { extractable: true, ...opts });
  const pub = await jose.exportJWK(pair.publicKey);
  fk[name] = { alg, privJwk: await jose.exportJWK(pair.privateKey), pub: { ...pub, kid: name, use: 'sig', alg } };
}
let published = ['f-rsa', 'f-ec', 'f-ed', 'f-small'];
let mode = 'ok';
const fakeStats = { jwks: 0, token: 0, token_ok: 0, verifier_sent: null, verifier_ok: null };
const codes = new Map();
const now = () => Math.floor(Date.now() / 1000);
const b64u = (s) => Buffer.from(s).toString('base64url');

// Sign with jose, the key imported for the header's alg (a WebCrypto key is
// bound to one algorithm, and PS256 with an RS256 key is one of the cases).
async function sign(header, claims, keyName) {
  const key = await jose.importJWK(fk[keyName].privJwk, header.alg);
  return new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
}

// RS256 by hand (node:crypto), for what jose will not sign: a 1024-bit key,
// a `crit` header.
function signRaw(header, claims, keyName) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const key = crypto.createPrivateKey({ key: fk[keyName].privJwk, format: 'jwk' });
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

// A crafted token for `m`. kind "id": an ID token for client_id with nonce;
// kind "at": an access token for audience "fake-api".
async function craft(m, kind, clientId, nonce) {
  const t = now();
  const c = { iss: fakeIss, sub: 'fake-user-1', iat: t, exp: t + 300, email: 'fake1@fake.test', email_verified: true };
  if (kind === 'id') { c.aud = clientId; c.nonce = nonce; } else { c.aud = 'fake-api'; c.client_id = 'someone'; c.scope = 'api'; }
  const h = { alg: 'RS256', kid: 'f-rsa' };
  if (kind === 'at') h.typ = 'at+jwt';
  let key = 'f-rsa';
  switch (m) {
    case 'ok': break;
    case 'ok_es256': h.alg = 'ES256'; h.kid = 'f-ec'; key = 'f-ec'; break;
    case 'ok_eddsa': h.alg = 'EdDSA'; h.kid = 'f-ed'; key = 'f-ed'; break;
    case 'ok_no_kid': delete h.kid; break;             // several keys published: refused (ambiguous)
    case 'wrong_aud': c.aud = 'someone-else'; break;
    case 'aud_array_ok': c.aud = [c.aud, 'other']; c.azp = clientId; break;
    case 'multi_aud_no_azp': c.aud = [c.aud, 'other']; break;
    case 'azp_wrong': c.aud = [c.aud, 'other']; c.azp = 'other'; break;
    case 'wrong_iss': c.iss = `${fakeBase}/other`; break;
    case 'expired': c.iat = t - 900; c.exp = t - 600; break;
    case 'expired_in_leeway': c.exp = t - 20; break;     // within OIDC_LEEWAY_S: accepted
    case 'nbf_future': c.nbf = t + 3600; break;
    case 'nbf_in_leeway': c.nbf = t + 20; break;
    case 'iat_future': c.iat = t + 3600; c.exp = t + 7200; break;
    case 'iat_old': c.iat = t - 3600; break;
    case 'no_exp': delete c.exp; break;
    case 'no_sub': delete c.sub; break;
    case 'nonce_mismatch': c.nonce = 'not-the-nonce'; break;
    case 'no_nonce': delete c.nonce; break;
    case 'bad_sig': key = 'f-evil'; break;                // kid f-rsa, signed by another key
    case 'tampered': break;                               // payload changed after signing (below)
    case 'unknown_kid': h.kid = 'f-new'; key = 'f-new'; break;
    case 'key_alg_mismatch': h.alg = 'PS256'; break;      // the f-rsa key says alg RS256
    case 'kty_mismatch': h.alg = 'ES256'; key = 'f-ec'; break;  // kid f-rsa names an RSA key
    case 'small_rsa': h.kid = 'f-small'; key = 'f-small'; break;
    case 'at_typ': h.typ = 'at+jwt'; break;
    case 'crit': h.crit = ['exp']; break;
    case 'alg_none': {
      return `${b64u(JSON.stringify({ alg: 'none' }))}.${b64u(JSON.stringify(c))}.`;
    }
    case 'alg_none_kid': {
      return `${b64u(JSON.stringify({ alg: 'none', kid: 'f-rsa' }))}.${b64u(JSON.stringify(c))}.${b64u('x'.repeat(32))}`;
    }
    case 'alg_hs256_pubkey': {
      // the classic confusion: HMAC keyed with the provider's public key
      const pem = crypto.createPublicKey({ key: fk['f-rsa'].pub, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      return new jose.SignJWT(c).setProtectedHeader({ alg: 'HS256', kid: 'f-rsa' }).sign(new Uint8Array(Buffer.from(pem)));
    }
    case 'jwe_shape': return 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d';
    default: throw new Error(`unknown mode ${m}`);
  }
  if (key === 'f-small' || m === 'crit') return signRaw(h, c, key);
  let tok = await sign(h, c, key);
  if (m === 'tampered') {
    const [a, , s] = tok.split('.');
    tok = `${a}.${b64u(JSON.stringify({ ...c, sub: 'someone-else' }))}.${s}`;
  }
  return tok;
}

function discovery(iss, base) {
  return {
    issuer: iss,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post'],
  };
}

http.createServer(async (req, res) => {
  try {
    const u = new URL(req.url, fakeBase);
    const p = u.pathname;
    if (p === '/fake/.well-known/openid-configuration') return json(res, 200, discovery(fakeIss, `${fakeBase}/fake`));
    if (p === '/mismatch/.well-known/openid-configuration') return json(res, 200, discovery(`${fakeBase}/elsewhere`, `${fakeBase}/mismatch`));
    if (p === '/fake/jwks') {
      fakeStats.jwks++;
      return json(res, 200, { keys: published.map((n) => fk[n].pub) });
    }
    if (p === '/fake/authorize') {
      const q = u.searchParams;
      const code = crypto.randomBytes(24).toString('base64url');
      codes.set(code, {
        nonce: q.get('nonce'), challenge: q.get('code_challenge'), method: q.get('code_challenge_method'),
        redirect: q.get('redirect_uri'), client: q.get('client_id'),
      });
      const to = new URL(q.get('redirect_uri'));
      to.searchParams.set('code', code);
      to.searchParams.set('state', q.get('state'));
      if (mode === 'resp_iss_wrong') to.searchParams.set('iss', `${fakeBase}/other`);
      res.writeHead(302, { location: to.toString() });
      return res.end();
    }
    if (p === '/fake/token' && req.method === 'POST') {
      fakeStats.token++;
      const f = new URLSearchParams(await readBody(req));
      const c = codes.get(f.get('code'));
      codes.delete(f.get('code'));
      fakeStats.verifier_sent = f.has('code_verifier');
      const v = f.get('code_verifier') || '';
      fakeStats.verifier_ok = !!c && crypto.createHash('sha256').update(v).digest('base64url') === c.challenge;
      if (!c || f.get('grant_type') !== 'authorization_code' || f.get('redirect_uri') !== c.redirect
          || f.get('client_id') !== cfg.fakeClientId || f.get('client_secret') !== cfg.fakeSecret) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      if (!fakeStats.verifier_ok || c.method !== 'S256') return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      if (mode === 'token_error') return json(res, 400, { error: 'access_denied' });
      fakeStats.token_ok++;
      const m = mode === 'resp_iss_wrong' ? 'ok' : mode;
      return json(res, 200, { access_token: 'opaque', token_type: 'Bearer', expires_in: 300, id_token: await craft(m, 'id', c.client, c.nonce) });
    }
    if (p === '/__test/mode' && req.method === 'POST') {
      mode = JSON.parse(await readBody(req)).mode;
      return json(res, 200, { mode });
    }
    if (p === '/__test/publish' && req.method === 'POST') {
      if (!published.includes('f-new')) published.push('f-new');
      return json(res, 200, { published });
    }
    if (p === '/__test/mint') {
      const tok = await craft(u.searchParams.get('mode'), u.searchParams.get('kind') || 'at', cfg.fakeClientId, 'n');
      return json(res, 200, { token: tok });
    }
    if (p === '/__test/stats') return json(res, 200, fakeStats);
    return json(res, 404, { error: 'not_found' });
  } catch (e) {
    return json(res, 500, { error: 'server_error', error_description: String(e) });
  }
}).listen(cfg.fakePort, '127.0.0.1', ready);

