import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  port: number;
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
  // While closing, every response ends its connection: clients on keep-alive
  // connections that keep sending would otherwise hold the server open forever.
  server.prependListener('request', (_req, res) => {
    if (closing) res.setHeader('Connection', 'close');
  });
  return {
    port: (server.address() as AddressInfo).port,
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
