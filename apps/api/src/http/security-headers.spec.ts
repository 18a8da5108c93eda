import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { apiSecurityHeaders, documentSecurityHeaders, staticHeadersOf } from './security-headers.js';

/** A stand-in response that keeps what is set on it. */
function recordingResponse(): { headers: Map<string, string>; res: Parameters<RequestHandler>[1] } {
  const headers = new Map<string, string>();
  const res = { setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), String(value)) };
  return { headers, res: res as unknown as Parameters<RequestHandler>[1] };
}

describe('security headers', function () {
  it("sets on every answer the API's set, helmet having run once: HSTS, nosniff, no framing, nothing to load, same-origin reads", function () {
    const { headers, res } = recordingResponse();
    let nextCalls = 0;
    const middleware = apiSecurityHeaders();
    middleware({} as Parameters<RequestHandler>[0], res, () => (nextCalls += 1));
    middleware({} as Parameters<RequestHandler>[0], res, () => (nextCalls += 1));
    expect(nextCalls).to.equal(2);
    expect(Object.fromEntries(headers)).to.deep.equal({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'cross-origin-resource-policy': 'same-origin',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
  });

  it("gives the documents helmet's whole set, with their scripts' policy and the development sign-in's origin", function () {
    const headers = new Map(
      Object.entries(documentSecurityHeaders({ devSignInUrl: 'http://127.0.0.1:8090/token' })).map(([name, value]) => [name.toLowerCase(), value]),
    );
    expect(headers.get('content-security-policy'))
      .to.include("script-src 'self'")
      .and.include("connect-src 'self' http://127.0.0.1:8090")
      .and.include("frame-ancestors 'none'");
    expect(headers.get('content-security-policy')).to.not.match(/script-src[^;]*unsafe-inline/);
    expect(headers.get('x-frame-options')).to.equal('DENY');
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
