import { createHash } from 'node:crypto';
import type { IRouter, Request, RequestHandler, Response } from 'express';
import { orderDocumentText, validateOrderDraft } from '@order-service/contracts';
import type { OrderDraft, VersionedOrder } from '@order-service/domain';
import type { CreateOrder } from '../use-cases/create-order.use-case.js';
import type { DeleteOrder } from '../use-cases/delete-order.use-case.js';
import type { OrderReader, OrderView } from '../use-cases/order-reader.js';
import { scopes } from '../use-cases/principal.js';
import type { ReadOrder } from '../use-cases/read-order.use-case.js';
import type { ExpectedVersion, RecordedResponse, WriteContext } from '../use-cases/order-repository.js';
import type { ReplaceOrder } from '../use-cases/replace-order.use-case.js';
import type { SearchOrders } from '../use-cases/search-orders.use-case.js';
import { principalOf, requireScope } from './auth/authenticate.js';
import type { CursorCodec } from './cursor.js';
import { etagFor, expectedVersionFrom, minVersionFrom, notModified, versionFloorFrom } from './etag.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { HttpProblem, problemTypes, validationProblem } from './problem.js';
import { parseSearchQuery } from './search-query.js';

export interface OrderRoutesDeps {
  /** Resolves who is asking and limits their rate; every order route passes through it before its scope check. */
  access: RequestHandler[];
  /** Parses (and vets) the JSON body of the routes that take one. */
  body: RequestHandler[];
  createOrder: CreateOrder;
  replaceOrder: ReplaceOrder;
  deleteOrder: DeleteOrder;
  searchOrders: SearchOrders;
  readOrder: ReadOrder;
  reader: OrderReader;
  cursors: CursorCodec;
}

const ORDER_UID = /^[A-Za-z0-9_-]{1,64}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Fields only the server writes; naming them in a body is a mistake worth its own message. */
const SERVER_OWNED = new Set(['/version', '/updated_at', '/etag']);

const CACHE_STATUS: Record<OrderView['tier'], string> = {
  lru: 'order-service; hit; detail=lru',
  redis: 'order-service; hit; detail=redis',
  postgres: 'order-service; fwd=miss; detail=postgres',
};

function draftFrom(body: unknown): OrderDraft {
  const result = validateOrderDraft(body);
  if (result.ok) return result.value;
  throw validationProblem(
    result.errors.map((e) => (SERVER_OWNED.has(e.path) ? { path: e.path, message: 'is set by the server and cannot be written' } : e)),
    'The order has invalid fields.',
  );
}

/** The `:uid` route parameter (a string for the routes declared here). */
function uidOf(req: Request): string {
  const uid = req.params.uid;
  return typeof uid === 'string' ? uid : '';
}

function orderUidParam(req: Request): string {
  const uid = uidOf(req);
  if (!ORDER_UID.test(uid)) throw notFound(uid);
  return uid;
}

function notFound(uid: string): HttpProblem {
  return new HttpProblem({ type: problemTypes.notFound, title: 'Order not found', status: 404, detail: `No order ${uid}.` });
}

function preconditionFailed(detail: string): HttpProblem {
  return new HttpProblem({ type: problemTypes.preconditionFailed, title: 'Precondition failed', status: 412, detail });
}

function writeContext(res: Response): WriteContext {
  return { requestId: (res.locals.requestId as string | undefined) ?? null };
}

function orderHeaders(version: number, modifiedAt: Date | undefined): Record<string, string> {
  return modifiedAt ? { ETag: etagFor(version), 'Last-Modified': modifiedAt.toUTCString() } : { ETag: etagFor(version) };
}

/** The headers of a GET answer, made once per view: a tier that hands out one view per cached version pays for them once. */
const readHeaders = new WeakMap<OrderView, ReadonlyArray<readonly [string, string]>>();

function readHeadersOf(view: OrderView): ReadonlyArray<readonly [string, string]> {
  let headers = readHeaders.get(view);
  if (headers === undefined) {
    headers = [
      ...Object.entries(orderHeaders(view.version, view.modifiedAt)),
      ['Cache-Status', CACHE_STATUS[view.tier]],
      // Clients may keep a copy but must revalidate it (If-None-Match makes that cheap).
      ['Cache-Control', 'no-cache'],
    ];
    readHeaders.set(view, headers);
  }
  return headers;
}

/** Answers a GET with a view's bytes as they are, or 304 when the client's copy is current. */
function sendOrder(req: Request, res: Response, view: OrderView): void {
  for (const [name, value] of readHeadersOf(view)) res.setHeader(name, value);
  if (notModified(req.headers['if-none-match'], req.headers['if-modified-since'], view.version, view.modifiedAt)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', view.body.length);
  res.end(view.body);
}

/**
 * The floor of a read: the newest version the client says it has seen, by the
 * tags its `If-None-Match` names or by `Min-Version`. A `Min-Version` that is
 * not a version is refused, naming the header.
 */
function readFloor(req: Request): number {
  const minVersion = minVersionFrom(req.get('min-version'));
  if (minVersion === null) throw validationProblem([{ path: '/headers/Min-Version', message: 'must be a version: a whole number from 1' }]);
  return Math.max(minVersion ?? 0, versionFloorFrom(req.headers['if-none-match']));
}

function renderStored(status: number, { order, version, updatedAt }: VersionedOrder, location: boolean): RecordedResponse {
  return {
    status,
    headers: { ...orderHeaders(version, updatedAt), ...(location ? { Location: `/orders/${encodeURIComponent(order.order_uid)}` } : {}) },
    // The text the repository stored and the event carries: serialised once per write.
    body: orderDocumentText(order),
  };
}

function send(res: Response, { status, headers, body }: RecordedResponse): void {
  res.status(status).set(headers).type('application/json').send(body);
}

/** Parses `If-Match` into the version a write requires; a tag that can match nothing fails at once. */
function expectedVersion(req: Request): ExpectedVersion | undefined {
  const expected = expectedVersionFrom(req.get('if-match'));
  if (expected === 'unmatchable') throw preconditionFailed('If-Match names no version of this order.');
  return expected;
}

export function orderRoutes({
  access,
  body,
  createOrder,
  replaceOrder,
  deleteOrder,
  searchOrders,
  readOrder,
  reader,
  cursors,
}: OrderRoutesDeps): (app: IRouter) => void {
  const mayRead = [...access, requireScope(scopes.read)];
  const mayWrite = [...access, requireScope(scopes.write)];
  const mayDelete = [...access, requireScope(scopes.delete)];
  return (router) => {
    router
      .route('/orders')
      .post(...mayWrite, ...body, async (req, res) => {
        const draft = draftFrom(req.body);
        const key = req.get('idempotency-key');
        if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
          throw validationProblem([{ path: '/headers/Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
        }
        const result = await createOrder.execute({
          principal: principalOf(res),
          draft,
          context: writeContext(res),
          ...(key !== undefined && {
            idempotency: {
              key,
              fingerprint: createHash('sha256').update(JSON.stringify(req.body)).digest('base64url'),
              render: (stored) => renderStored(201, stored, true),
            },
          }),
        });
        if (result.kind === 'replayed') {
          res.set('Idempotent-Replayed', 'true');
          send(res, result.response);
          return;
        }
        const response = renderStored(201, result.stored, true);
        reader.recordWrite(result.stored.order.order_uid, result.stored.version, response.body, result.stored.updatedAt);
        send(res, response);
      })
      .get(...mayRead, async (req, res) => {
        const parsed = parseSearchQuery(req.query);
        if (!parsed.ok) throw validationProblem(parsed.errors, 'The search has invalid parameters.');
        const { cursor, limit, ...filters } = parsed.value;
        const filterKey = JSON.stringify([filters.customer_id, filters.track_number, filters.delivery_service, filters.created_from, filters.created_to]);
        const after = cursor === undefined ? undefined : cursors.decode(cursor, filterKey);
        if (after === null) throw validationProblem([{ path: '/cursor', message: 'is not a cursor this search issued' }], 'The search has invalid parameters.');
        const page = await searchOrders.execute(principalOf(res), {
          ...(filters.customer_id !== undefined && { customerId: filters.customer_id }),
          ...(filters.track_number !== undefined && { trackNumber: filters.track_number }),
          ...(filters.delivery_service !== undefined && { deliveryService: filters.delivery_service }),
          ...(filters.created_from !== undefined && { createdFrom: new Date(filters.created_from) }),
          ...(filters.created_to !== undefined && { createdTo: new Date(filters.created_to) }),
          ...(after !== undefined && { after }),
          limit,
        });
        res.json({ items: page.items.map((s) => s.order), next_cursor: page.next ? cursors.encode(page.next, filterKey) : null });
      })
      .all(methodNotAllowed(['GET', 'POST']));

    router
      .route('/orders/:uid')
      .get(...mayRead, (req, res, next) => {
        const uid = orderUidParam(req);
        const principal = principalOf(res);
        const floor = readFloor(req);
        // A hit in this process's cache answers synchronously, without a promise: it is most reads.
        const local = readOrder.cached(principal, uid, floor);
        if (local === null) throw notFound(uid);
        if (local !== undefined) {
          sendOrder(req, res, local);
          return;
        }
        readOrder
          .read(principal, uid, floor)
          .then((view) => {
            if (!view) throw notFound(uid);
            sendOrder(req, res, view);
          })
          .catch(next);
      })
      .put(...mayWrite, ...body, async (req, res) => {
        const uid = uidOf(req);
        if (!ORDER_UID.test(uid))
          throw validationProblem([{ path: '/order_uid', message: 'the URL must name an order_uid of 1 to 64 characters from A-Z, a-z, 0-9, _ and -' }]);
        const draft = draftFrom(req.body);
        const { created, stored } = await replaceOrder.execute({
          principal: principalOf(res),
          orderUid: uid,
          draft,
          expected: expectedVersion(req),
          context: writeContext(res),
        });
        const response = renderStored(created ? 201 : 200, stored, created);
        reader.recordWrite(uid, stored.version, response.body, stored.updatedAt);
        send(res, response);
      })
      .delete(...mayDelete, async (req, res) => {
        const uid = orderUidParam(req);
        const { version } = await deleteOrder.execute(principalOf(res), uid, expectedVersion(req), writeContext(res));
        reader.recordWrite(uid, version, null, new Date());
        res.status(204).end();
      })
      .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));
  };
}
