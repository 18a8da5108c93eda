/**
 * The baseline of the LRU-hit row: the same express the API runs, serving one
 * pre-serialised order for any /orders/:uid with the headers the API sends
 * (ETag, Last-Modified, Cache-Status, X-Request-Id, Content-Type), and nothing
 * else: no middleware, no lookup. Given a headers file (a JSON object of the
 * headers an API answer carried), it sends those instead, with a fresh
 * X-Request-Id each time: the same bytes the API sends, at express's bare cost,
 * which tells how much of the API's cost is its headers.
 *
 * Usage: node --import tsx bench/servers/bare-express.server.ts <port> <body-file> [<headers-file>]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { requireFrom } from '../support/workspace.js';

interface BareResponse {
  set(headers: Record<string, string>): BareResponse;
  set(name: string, value: string): BareResponse;
  status(code: number): BareResponse;
  type(type: string): BareResponse;
  send(body: string): unknown;
}

interface BareApp {
  disable(setting: string): void;
  set(setting: string, value: unknown): void;
  get(path: string, handler: (req: unknown, res: BareResponse) => void): void;
  listen(port: number, host: string, callback: () => void): unknown;
}

const express = requireFrom('apps/api')('express') as () => BareApp;
const [port, bodyFile, headersFile] = process.argv.slice(2);
if (port === undefined || bodyFile === undefined) throw new Error('usage: bare-express.server.ts <port> <body-file>');
const body = readFileSync(bodyFile, 'utf8');
const lastModified = new Date().toUTCString();
const apiHeaders = headersFile === undefined ? undefined : (JSON.parse(readFileSync(headersFile, 'utf8')) as Record<string, string>);

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/readyz', (_req, res) => {
  res.status(200).type('application/json').send('{"status":"ready"}');
});
app.get('/orders/:uid', (_req, res) => {
  if (apiHeaders) {
    res.set(apiHeaders).set('X-Request-Id', randomUUID()).status(200).send(body);
    return;
  }
  res
    .set({ 'X-Request-Id': randomUUID(), ETag: '"v1"', 'Last-Modified': lastModified, 'Cache-Status': 'order-service; hit; detail=lru' })
    .status(200)
    .type('application/json')
    .send(body);
});
app.listen(Number(port), '127.0.0.1', () => console.log(`bare express listening on ${port}`));
