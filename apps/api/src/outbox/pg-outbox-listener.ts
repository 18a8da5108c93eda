import type { IBackoff } from 'cockatiel';
import pg from 'pg';
import { errorFields } from '@order-service/runtime';
import { OUTBOX_CHANNEL } from './knex-outbox.js';
import { outboxBackoff } from './outbox-backoff.js';
import type { OutboxLog, OutboxNotifications } from './outbox-ports.js';

export interface PgOutboxListenerOptions {
  /** A direct PostgreSQL connection (not a transaction-pooling proxy, which cannot LISTEN). */
  connectionString: string;
  /** Fallback poll when no notification arrives (a lost LISTEN connection, a missed NOTIFY). */
  pollIntervalMs: number;
  /** Longest pause between LISTEN reconnect attempts. */
  maxBackoffMs: number;
  logger: OutboxLog;
  /** The LISTEN connection's state, one line per change (a DependencyStateLog fits). */
  state: { up(): void; down(error?: unknown): void };
}

const LISTEN_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Wakes the relay on the outbox's NOTIFY, and every `pollIntervalMs` in case
 * one was missed. A lost LISTEN connection is reconnected with backoff while
 * the poll covers; once it is back the relay is woken, since notifications
 * sent meanwhile are lost.
 */
export class PgOutboxListener implements OutboxNotifications {
  private running = false;
  private wake: () => void = () => undefined;
  private client: pg.Client | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private reconnecting: Promise<void> | undefined;

  constructor(private readonly options: PgOutboxListenerOptions) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  async start(wake: () => void): Promise<void> {
    this.running = true;
    this.wake = wake;
    // PostgreSQL may be down at start: the relay then polls and this keeps trying to LISTEN.
    await this.listen().catch((error: unknown) => {
      this.options.state.down(error);
      this.scheduleListen(outboxBackoff(this.options.maxBackoffMs).next(), 1);
    });
    this.pollTimer = setInterval(() => this.wake(), this.options.pollIntervalMs).unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    await this.reconnecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Opens the LISTEN connection; a notification wakes the relay. */
  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: 'order-api-outbox-listener',
      // A connection cut without a reset is only noticed through keepalives; until then the poll covers.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: LISTEN_CONNECT_TIMEOUT_MS,
    });
    // Kept for the client's whole life: an 'error' without a listener would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.options.state.up();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (!this.running) return;
    // The relay polls every pollIntervalMs until the connection is back.
    this.options.state.down(error ?? 'the LISTEN connection ended');
    this.scheduleListen(outboxBackoff(this.options.maxBackoffMs).next(), 1);
  }

  /** `previous` is the backoff of the attempt before; its successor says how long to wait now. */
  private scheduleListen(previous: IBackoff<unknown>, attempt: number): void {
    const backoff = previous.next(undefined);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reconnecting = this.listen()
        .then(
          () => {
            if (!this.running) return;
            this.options.logger.debug('outbox LISTEN connection restored', { attempts: attempt });
            this.wake();
          },
          (error: unknown) => {
            if (!this.running) return;
            this.options.state.down(error);
            this.options.logger.debug('outbox LISTEN reconnect failed', { err: errorFields(error), attempt });
            this.scheduleListen(backoff, attempt + 1);
          },
        )
        .finally(() => {
          this.reconnecting = undefined;
        });
    }, backoff.duration).unref();
  }
}
