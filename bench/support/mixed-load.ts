/**
 * A steady mixed load on the API, the client side of the rolling-restart run
 * (test/e2e/rolling-restart.test.ts and the bench suite of the same name):
 * GETs of known orders, POSTs that each carry an Idempotency-Key of their own,
 * and PUTs with If-Match of the version last seen, at a fixed overall rate.
 *
 * Open loop, like paced-load.ts: request i is due at start + i / rate and goes
 * out then, whatever the earlier ones are doing; latency counts from when it
 * was due. Each order has one writer at a time (a PUT is only sent for an
 * order with no write in flight), so a 412 could only come from a write
 * repeated behind the client's back.
 */
import { Agent, request } from 'node:http';
import { anOrder } from '@order-service/domain/testing';

export type RequestKind = 'get' | 'post' | 'put';

/** One request as the client saw it. */
export interface LoadSample {
  kind: RequestKind;
  /** When it was due, epoch milliseconds. */
  dueAt: number;
  latencyMs: number;
  /** HTTP status, 0 when the request failed without an answer. */
  status: number;
  /** Why it failed without an answer (connection refused, reset, timed out). */
  error?: string;
}

/** A write the client saw acknowledged: the order's version it made, and when the answer arrived. */
export interface AcknowledgedWrite {
  orderUid: string;
  version: number;
  ackedAt: number;
}

export interface MixedLoadOptions {
  /** The public URL (nginx). */
  url: string;
  token: string;
  /** Requests per second, all kinds together. */
  rate: number;
  /** Shares of each kind; they need not add up to 1. */
  mix: Record<RequestKind, number>;
  /** customer_id of every order the load creates, to find them afterwards. */
  customerId: string;
  /** Prefix of the Idempotency-Keys, unique to the run. */
  keyPrefix: string;
  /** Most connections to nginx. */
  connections?: number;
  onWrite?: (write: AcknowledgedWrite) => void;
}

interface KnownOrder {
  version: number;
  writing: boolean;
}

export class MixedLoad {
  readonly samples: LoadSample[] = [];
  /** Idempotency-Key → the order_uid its 201 named. */
  readonly createdByKey = new Map<string, string>();
  /** Every key sent, answered or not. */
  readonly keysSent: string[] = [];
  /** Each order the load made, with the version its last acknowledged write gave it. */
  readonly orders = new Map<string, KnownOrder>();
  readonly #options: MixedLoadOptions;
  readonly #agent: Agent;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #uids: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sent = 0;
  #start = 0;
  #stopped = false;

  constructor(options: MixedLoadOptions) {
    this.#options = options;
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.connections ?? 64 });
  }

  start(): void {
    this.#start = Date.now();
    const intervalMs = 1000 / this.#options.rate;
    const tick = (): void => {
      if (this.#stopped) return;
      const now = Date.now();
      for (; this.#start + this.#sent * intervalMs <= now; this.#sent += 1) this.#track(this.#send(this.#start + this.#sent * intervalMs));
      this.#timer = setTimeout(tick, Math.max(0, this.#start + this.#sent * intervalMs - Date.now()));
    };
    tick();
  }

  /** Stops sending and waits for every answer. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.all(this.#inFlight);
    this.#agent.destroy();
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  #pickKind(): RequestKind {
    const { mix } = this.#options;
    // Reads and replacements need an order to act on: until the first exists, create.
    if (this.#uids.length === 0) return 'post';
    const total = mix.get + mix.post + mix.put;
    let roll = Math.random() * total;
    for (const kind of ['get', 'post', 'put'] as const) {
      roll -= mix[kind];
      if (roll < 0) return kind;
    }
    return 'get';
  }

  #randomUid(): string {
    return this.#uids[Math.floor(Math.random() * this.#uids.length)] ?? '';
  }

  async #send(dueAt: number): Promise<void> {
    const kind = this.#pickKind();
    if (kind === 'get') {
      await this.#call(kind, dueAt, 'GET', `/orders/${this.#randomUid()}`);
      return;
    }
    if (kind === 'post') {
      const key = `${this.#options.keyPrefix}-${this.#sent}`;
      this.keysSent.push(key);
      const order: Record<string, unknown> = { ...anOrder().with({ customer_id: this.#options.customerId }).build() };
      delete order.order_uid;
      delete order.date_created;
      const answer = await this.#call(kind, dueAt, 'POST', '/orders', order, { 'idempotency-key': key });
      if (answer?.status === 201) {
        const uid = (JSON.parse(answer.body) as { order_uid: string }).order_uid;
        this.createdByKey.set(key, uid);
        this.orders.set(uid, { version: 1, writing: false });
        this.#uids.push(uid);
        this.#options.onWrite?.({ orderUid: uid, version: 1, ackedAt: Date.now() });
      }
      return;
    }
    // A PUT for an order nobody is writing: a read of it instead when every one picked is busy.
    let uid = this.#randomUid();
    for (let tries = 0; this.orders.get(uid)?.writing && tries < 5; tries += 1) uid = this.#randomUid();
    const known = this.orders.get(uid);
    if (!known || known.writing) {
      await this.#call('get', dueAt, 'GET', `/orders/${uid}`);
      return;
    }
    known.writing = true;
    const body = anOrder()
      .with({ order_uid: uid, customer_id: this.#options.customerId, entry: `V${known.version + 1}` })
      .build();
    const answer = await this.#call(kind, dueAt, 'PUT', `/orders/${uid}`, body, { 'if-match': `"v${known.version}"` });
    const version = Number(/^"v(\d+)"$/.exec(answer?.etag ?? '')?.[1]);
    if (answer?.status === 200 && Number.isInteger(version)) {
      known.version = version;
      this.#options.onWrite?.({ orderUid: uid, version, ackedAt: Date.now() });
    }
    known.writing = false;
  }

  #call(
    kind: RequestKind,
    dueAt: number,
    method: string,
    path: string,
    json?: unknown,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: string; etag: string | undefined } | undefined> {
    const target = new URL(path, this.#options.url);
    const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#options.token}`,
      ...(body && { 'content-type': 'application/json', 'content-length': String(body.length) }),
      ...extra,
    };
    return new Promise((resolve) => {
      const req = request({ agent: this.#agent, host: target.hostname, port: target.port, path: target.pathname, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          this.samples.push({ kind, dueAt, latencyMs: Date.now() - dueAt, status });
          const etag = res.headers.etag;
          resolve({ status, body: Buffer.concat(chunks).toString('utf8'), etag });
        });
        res.on('error', (error) => {
          this.samples.push({ kind, dueAt, latencyMs: Date.now() - dueAt, status: 0, error: error.message });
          resolve(undefined);
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        this.samples.push({ kind, dueAt, latencyMs: Date.now() - dueAt, status: 0, error: error.code ?? error.message });
        resolve(undefined);
      });
      req.end(body);
    });
  }
}
