import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  port: number;
  /**
   * Keeps accepting and serving, but every answer from now on carries
   * `Connection: close`: clients and load balancers on keep-alive connections
   * move to new connections (to other replicas, once this one is out of the
   * pool) instead of reusing a socket that close() will end.
   */
  drain(): void;
  /** Stops accepting, lets requests in flight finish, then closes idle and remaining sockets. */
  close(): Promise<void>;
}

export async function listen(app: Express, host: string, port: number, keepAliveTimeoutMs: number): Promise<RunningServer> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.headersTimeout = keepAliveTimeoutMs + 1_000;
  let closing: Promise<void> | undefined;
  let draining = false;
  // While draining or closing, every response ends its connection: clients on keep-alive
  // connections that keep sending would otherwise hold the server open forever.
  server.prependListener('request', (_req, res) => {
    if (draining || closing) res.setHeader('Connection', 'close');
  });
  return {
    port: (server.address() as AddressInfo).port,
    drain: () => {
      draining = true;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Connections that went idle after close() are closed by their next response;
        // those that stay idle are swept here.
        const sweep = setInterval(() => server.closeIdleConnections(), 250);
        sweep.unref();
        server.once('close', () => clearInterval(sweep));
      });
      return closing;
    },
  };
}
