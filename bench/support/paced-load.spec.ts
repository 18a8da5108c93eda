import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { runPacedLoad } from './paced-load.js';

describe('runPacedLoad (a real HTTP server on loopback)', () => {
  let server: Server;
  let url: string;
  let arrivals: number[];
  let answerAfterMs: number;

  beforeEach(async () => {
    arrivals = [];
    answerAfterMs = 0;
    server = createServer((req, res) => {
      arrivals.push(performance.now());
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}'), answerAfterMs));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('spreads the requests evenly over the run instead of sending each second in a burst', async () => {
    const result = await runPacedLoad({ url, method: 'POST', body: '{}', connections: 16, durationSeconds: 1, overallRate: 200 });
    expect(result.ok).to.equal(200);
    expect(arrivals).to.have.length(200);
    const first = arrivals[0] ?? 0;
    const inFirstHalf = arrivals.filter((at) => at - first < 500).length;
    // A burst would send all 200 in the first milliseconds; even pacing puts about half in each half, with room for a busy machine.
    expect(inFirstHalf).to.be.within(40, 160);
    expect(result.requestsPerSecond).to.be.within(100, 210);
  });

  it('counts latency from when a request was due, so a server that falls behind shows its queue', async () => {
    answerAfterMs = 20; // one connection answers at most 50 requests a second, half the rate
    const result = await runPacedLoad({ url, connections: 1, durationSeconds: 0.5, overallRate: 100 });
    expect(result.ok).to.equal(50);
    expect(result.latencyMs.max).to.be.at.least(400);
    expect(result.latencyMs.p50).to.be.at.least(150);
    expect(result.requestsPerSecond).to.be.below(75);
  });

  it('hands every answer to onResponse with its status and body', async () => {
    const bodies: string[] = [];
    await runPacedLoad({ url, connections: 4, durationSeconds: 0.2, overallRate: 50, onResponse: (status, body) => bodies.push(`${status} ${body}`) });
    expect(bodies).to.have.length(10);
    expect(new Set(bodies)).to.deep.equal(new Set(['201 {"ok":true}']));
  });
});
