// A local OpenID Connect provider (npm oauth2-mock-server: discovery, authorize, token, JWKS) for the social
// sign-in tests. It prints its issuer as one JSON line and serves until its stdin closes.
//
// `POST /_next` (JSON) says who the next sign-in is and how its ID token is to be made:
//   {sub, email, email_verified, name}  the viewer,
//   now                                 the issuing time (Unix seconds; the tests' clock, not the wall's),
//   ttl                                 seconds until the ID token expires,
//   aud, iss, nonce                     to issue it for another client, as another issuer, or another sign-in,
//   tamper                              true: change the signed claims after signing (the signature then fails),
//   deny                                true: the viewer turns the sign-in down (error=access_denied).
// `GET /_seen` answers what the last token request carried (its form), so a test sees PKCE and the secret.
import http from 'node:http';
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';

const issuer = new OAuth2Issuer();
await issuer.keys.generate('RS256');
const service = new OAuth2Service(issuer);
let next = {};
let seen = null;

service.on('beforeAuthorizeRedirect', (redirect) => {
  if (next.deny) {
    redirect.url.searchParams.delete('code');
    redirect.url.searchParams.set('error', 'access_denied');
  }
});

service.on('beforeTokenSigning', (token, req) => {
  seen = req.body;
  if ('scope' in token.payload) { return; } // the access token; only the ID token carries who signed in
  const now = next.now ?? Math.floor(Date.now() / 1000);
  Object.assign(token.payload, {
    sub: next.sub ?? 'subject-1',
    iat: now,
    nbf: now,
    exp: now + (next.ttl ?? 600),
  });
  for (const claim of ['email', 'email_verified', 'name', 'aud', 'iss', 'nonce']) {
    if (next[claim] !== undefined) { token.payload[claim] = next[claim]; }
  }
});

service.on('beforeResponse', (response) => {
  const idToken = response.body.id_token;
  if (!next.tamper || typeof idToken !== 'string') { return; }
  const [header, payload, signature] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  claims.email = 'someone.else@example.com';
  response.body.id_token = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
});

function control(req, res) {
  if (req.method === 'GET' && req.url === '/_seen') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(seen));
    return;
  }
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    next = JSON.parse(body || '{}');
    res.writeHead(204);
    res.end();
  });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/_')) { control(req, res); return; }
  service.requestHandler(req, res);
});
server.listen(0, '127.0.0.1', () => {
  issuer.url = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(JSON.stringify({ issuer: issuer.url }) + '\n');
});
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
