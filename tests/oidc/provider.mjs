// A real OpenID provider for the SSO tests: the certified `oidc-provider` package under Node.
// Started by desist/accounts/tests/oidc_provider.py on a free port. Configuration comes from the environment:
//   OIDC_PORT      the port to listen on (127.0.0.1)
//   OIDC_CLIENTS   JSON list of client metadata (client_id, client_secret, redirect_uris)
//   OIDC_ACCOUNTS  JSON object: account id -> claims, plus an optional "tamper" of
//                  "signature" | "audience" | "expired" to make the provider issue that
//                  account a faulty ID token (the failure cases the relying party must refuse).
// The sign-in page is a bare form (login, amr, acr): the tests post it as a person would.
import { generateKeyPairSync, sign } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const kid = 'desist-test-key';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
// Another key under the same kid: a token signed by it has a bad signature, not an unknown key.
const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  // Scope claims go into the ID token, as Entra ID does for email and name.
  conformIdTokenClaims: false,
  claims: {
    // Entra ID sends amr (and acr) in every ID token; with the openid scope here, so does this.
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'roles'],
    sid: null,
  },
  acrValues: ['pwd', 'mfa'],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    if (!accounts[id]) return undefined;
    const { tamper, ...claims } = accounts[id];
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

const b64 = (v) => Buffer.from(v).toString('base64url');

function tampered(idToken) {
  const [h, p] = idToken.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  const mode = accounts[payload.sub]?.tamper;
  if (!mode) return idToken;
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'audience') payload.aud = 'another-service';
  if (mode === 'expired') Object.assign(payload, { iat: now - 7200, exp: now - 3600 });
  const body = `${h}.${b64(JSON.stringify(payload))}`;
  const key = mode === 'signature' ? strangerKey : privateKey;
  return `${body}.${b64(sign('sha256', Buffer.from(body), key))}`;
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match) {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token' && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: tampered(ctx.body.id_token) };
    }
    return;
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = '<form method="post"><input name="login"><input name="amr"><input name="acr">'
      + '<button>Sign in</button></form>';
    return;
  }
  const form = await readForm(ctx.req);
  const accountId = form.get('login');
  if (!accounts[accountId]) {
    ctx.status = 400;
    ctx.body = 'unknown account';
    return;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const login = { accountId, amr: (form.get('amr') || 'pwd').split(' ') };
  if (form.get('acr')) login.acr = form.get('acr');
  const result = { login, consent: { grantId: await grant.save() } };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result));
});

provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
