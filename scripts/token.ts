/**
 * Prints an access token signed by the development issuer (the keys ./scripts/up
 * uses), for curl: `curl -H "authorization: Bearer $(./scripts/token)" ...`.
 * Options and defaults: scripts/token --help
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ALL_SCOPES, loadOrCreateIssuer } from '@order-service/dev-issuer';

const USAGE = `usage: scripts/token [--scope S]... [--customer ID] [--ttl SECONDS] [--subject NAME]
  --scope S         a scope to grant; repeat for more (default: every scope, ${ALL_SCOPES.join(' ')};
                    with --customer: orders:read orders:write orders:delete)
  --customer ID     a customer's token: it reaches only that customer's orders
  --ttl SECONDS     lifetime (default 3600)
  --subject NAME    the token's subject (default staff:cli, or customer:ID)`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      scope: { type: 'string', multiple: true },
      customer: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      subject: { type: 'string' },
      'key-file': { type: 'string', default: fileURLToPath(new URL('../.local/dev-issuer/keys.json', import.meta.url)) },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const ttl = Number(values.ttl);
if (!/^\d+$/.test(values.ttl) || ttl < 1 || ttl > 31 * 86_400) fail(`--ttl must be a number of seconds from 1 to ${31 * 86_400}`);
if (values.customer !== undefined && !/^[\w.:@-]{1,64}$/.test(values.customer)) fail('--customer must be 1 to 64 word characters');
const customer = values.customer;
const scopes = values.scope ?? (customer === undefined ? [...ALL_SCOPES] : ['orders:read', 'orders:write', 'orders:delete']);
const issuer = await loadOrCreateIssuer(values['key-file']);
const token = await issuer.sign({
  subject: values.subject ?? (customer === undefined ? 'staff:cli' : `customer:${customer}`),
  scopes,
  ttlSeconds: ttl,
  ...(customer !== undefined && { customerId: customer }),
});
console.log(token);
