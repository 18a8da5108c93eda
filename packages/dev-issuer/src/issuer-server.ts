/**
 * Serves a TokenIssuer on loopback: its JWKS at /.well-known/jwks.json, and a
 * development sign-in at POST /token ({"customer_id"?, "scope"?}) that the web
 * page calls, cross-origin, from the origins given.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALL_SCOPES, CUSTOMER_SCOPES, type TokenIssuer } from './token-issuer.js';

export const JWKS_PATH = '/.well-known/jwks.json';
export const TOKEN_PATH = '/token';

export interface IssuerServerOptions {
  host?: string;
  port?: number;
  /** Which origins (the API's web page) may call POST /token from a browser. */
  allowOrigin?: (origin: string) => boolean;
  /** Counts JWKS fetches, for tests of the verifier's key cache. */
  onJwksFetch?: () => void;
}

export interface RunningIssuer {
  url: string;
  jwksUrl: string;
  tokenUrl: string;
  close(): Promise<void>;
}

const CUSTOMER_ID = /^[\w.:@-]{1,64}$/;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4096) throw new Error('body too large');
  }
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('body is not an object');
  return parsed as Record<string, unknown>;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export async function serveIssuer(
  issuer: TokenIssuer,
  { host = '127.0.0.1', port = 0, allowOrigin = () => false, onJwksFetch }: IssuerServerOptions = {},
): Promise<RunningIssuer> {
  const server = createServer((req, res) => {
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin !== undefined && allowOrigin(origin)
        ? { 'access-control-allow-origin': origin, 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST', vary: 'origin' }
        : {};
    if (req.method === 'GET' && req.url === JWKS_PATH) {
      onJwksFetch?.();
      reply(res, 200, issuer.jwks());
      return;
    }
    if (req.url === TOKEN_PATH && req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    if (req.url === TOKEN_PATH && req.method === 'POST') {
      readJson(req)
        .then(async (body) => {
          const customerId = body.customer_id;
          if (customerId !== undefined && (typeof customerId !== 'string' || !CUSTOMER_ID.test(customerId))) {
            reply(res, 422, { error: 'invalid_request', error_description: 'customer_id must be 1 to 64 word characters' }, cors);
            return;
          }
          const scope = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : customerId ? [...CUSTOMER_SCOPES] : [...ALL_SCOPES];
          const subject = customerId ? `customer:${customerId}` : 'staff:web';
          const token = await issuer.sign({ subject, scopes: scope, ...(customerId && { customerId }) });
          reply(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: scope.join(' ') }, cors);
        })
        .catch(() => reply(res, 400, { error: 'invalid_request' }, cors));
      return;
    }
    reply(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUrl: `${url}${JWKS_PATH}`,
    tokenUrl: `${url}${TOKEN_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
