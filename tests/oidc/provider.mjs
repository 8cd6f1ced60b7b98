// A real OpenID Connect provider (the npm package oidc-provider) for the guest sign-in tests.
// Listens on 127.0.0.1 (port from argv[2], 0 for any), prints {"issuer": ...} as its first
// line. Its dev-interaction login form takes any login: the login becomes the account id, and
// the claims follow from it: "unverified-<name>" has email_verified false; the email is
// <name>@mail.test unless the login is an email address itself.
// argv[3]: the client's redirect URIs, comma separated. argv[4]: id_token lifetime (s).
import Provider from "oidc-provider";

const port = Number(process.argv[2] || 0);
const redirectUris = (process.argv[3] || "http://localhost/me/callback/testid").split(",");
const idTokenTtl = Number(process.argv[4] || 600);

function claimsOf(id) {
  const unverified = id.startsWith("unverified-");
  const name = unverified ? id.slice("unverified-".length) : id;
  const email = name.includes("@") ? name : `${name}@mail.test`;
  return {
    sub: id, email, email_verified: !unverified,
    given_name: "Anna", family_name: "Huber", name: "Anna Huber", locale: "de",
    picture: "https://pictures.invalid/anna.png",
  };
}

const configuration = {
  clients: [{
    client_id: "guestcrm", client_secret: "guestcrm-test-secret",
    redirect_uris: redirectUris, grant_types: ["authorization_code"], response_types: ["code"],
    token_endpoint_auth_method: "client_secret_post",
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  conformIdTokenClaims: false,
  claims: { openid: ["sub"], email: ["email", "email_verified"],
            profile: ["name", "given_name", "family_name", "locale", "picture"] },
  scopes: ["openid", "email", "profile"],
  ttl: { IdToken: idTokenTtl, AccessToken: 600, AuthorizationCode: 60, Interaction: 600,
         Session: 600, Grant: 600 },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
  cookies: { keys: ["test-cookie-key"] },
};

// The issuer needs the port: listen first, then make the provider for that address.
import http from "node:http";
const server = http.createServer();
server.listen(port, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  server.on("request", provider.callback());
  console.log(JSON.stringify({ issuer }));
});
