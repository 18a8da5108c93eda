/**
 * The development token issuer ./scripts/up runs: its keys are generated once
 * into .local/dev-issuer/keys.json (git-ignored), its JWKS and the web page's
 * sign-in are served on loopback. Never part of a production deployment.
 *   scripts/dev-issuer.ts --port 8090 --allow-origin http://127.0.0.1:8080
 * Options: --host, --port, --issuer (the `iss` of a new key file), --key-file, --allow-origin (repeatable).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadOrCreateIssuer, serveIssuer } from '@order-service/dev-issuer';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8090' },
    issuer: { type: 'string' },
    'key-file': { type: 'string', default: fileURLToPath(new URL('../.local/dev-issuer/keys.json', import.meta.url)) },
    'allow-origin': { type: 'string', multiple: true, default: [] },
  },
  strict: true,
});
const issuer = await loadOrCreateIssuer(values['key-file'], values.issuer === undefined ? {} : { issuer: values.issuer });
const origins = new Set(values['allow-origin']);
const server = await serveIssuer(issuer, { host: values.host, port: Number(values.port), allowOrigin: (origin) => origins.has(origin) });
console.log(`development issuer ${issuer.issuer}: JWKS ${server.jwksUrl}, sign-in ${server.tokenUrl}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
