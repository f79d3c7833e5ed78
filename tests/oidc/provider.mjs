// A real OpenID Connect provider for the tests (the npm package oidc-provider), on a loopback port.
//
//   node tests/oidc/provider.mjs <port> <accounts.json>
//
// accounts.json maps a login name (typed on the provider's own development sign-in page, any password)
// to the claims it returns: {"ada": {"email": "ada@example.org", "email_verified": true, "name": "Ada"}}.
// The file is read again at each sign-in, so a test may add accounts while the provider runs.
// Development interactions only; nothing here is fit for production, and nothing is downloaded.
import { readFileSync } from 'node:fs';

import Provider, { interactionPolicy } from 'oidc-provider';

const [port, accountsFile] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

function accounts() {
  return JSON.parse(readFileSync(accountsFile, 'utf8'));
}

// A native client is asked to confirm every sign-in by default; this first-party one is not.
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

const provider = new Provider(issuer, {
  interactions: { policy },
  clients: [{
    client_id: 'skillpass-test',
    client_secret: 'skillpass-test-secret',
    // A native (loopback) client: any port of 127.0.0.1 is accepted (RFC 8252), so the app under test
    // may listen wherever it is given a port; the test client's http://localhost is named as it is.
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/sign-in/sso/callback', 'http://localhost/sign-in/sso/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1/sign-in', 'http://localhost/sign-in'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  // A first-party client: no consent page, the grant is made at once.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The default page asks for a web font; this one needs nothing from outside.
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Sign out</title></head><body>
<h1>Sign out of the test provider?</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
      },
    },
  },
  cookies: { keys: ['skillpass-test-cookie-key'] },
  conformIdTokenClaims: false,   // the ID token carries email and email_verified itself
});
provider.proxy = false;

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
