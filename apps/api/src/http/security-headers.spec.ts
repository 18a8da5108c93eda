import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { securityHeaders, staticHeadersOf } from './security-headers.js';

/** A stand-in response that keeps what is set on it. */
function recordingResponse(): { headers: Map<string, string>; res: Parameters<RequestHandler>[1] } {
  const headers = new Map<string, string>();
  const res = { setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), String(value)) };
  return { headers, res: res as unknown as Parameters<RequestHandler>[1] };
}

describe('security headers', function () {
  it('sets on every answer exactly the headers helmet sets, helmet having run once', function () {
    const { headers, res } = recordingResponse();
    let nextCalls = 0;
    const middleware = securityHeaders({ devSignInUrl: 'http://127.0.0.1:8090/token' });
    middleware({} as Parameters<RequestHandler>[0], res, () => (nextCalls += 1));
    middleware({} as Parameters<RequestHandler>[0], res, () => (nextCalls += 1));
    expect(nextCalls).to.equal(2);
    expect(headers.get('x-content-type-options')).to.equal('nosniff');
    expect(headers.get('strict-transport-security')).to.match(/max-age=\d+/);
    expect(headers.get('content-security-policy')).to.include("script-src 'self'").and.include('connect-src').and.include('http://127.0.0.1:8090');
    expect([...headers.keys()].sort()).to.deep.equal(
      staticHeadersOf(helmet())
        .map(([name]) => name.toLowerCase())
        .sort(),
    );
  });

  it('records set and removed headers of a middleware', function () {
    const middleware: RequestHandler = (_req, res, next) => {
      res.setHeader('A', 'one');
      res.setHeader('B', ['x', 'y']);
      res.setHeader('C', 3);
      res.removeHeader('A');
      next();
    };
    expect(staticHeadersOf(middleware)).to.deep.equal([
      ['B', 'x, y'],
      ['C', '3'],
    ]);
  });

  it('refuses a middleware that does not finish at once or fails', function () {
    expect(() => staticHeadersOf(() => undefined)).to.throw(/synchronously/);
    expect(() => staticHeadersOf((_req, _res, next) => next(new Error('no')))).to.throw('no');
  });
});
