/**
 * The server span of each HTTP request, made at the edge of the express app
 * rather than by @opentelemetry/instrumentation-http: the instrumentation
 * computes every attribute and binds both streams of every request, sampled
 * or not, which cost a cached read about 16 µs of CPU (40 against 24); this
 * reads the caller's traceparent, starts the span, and fills its attributes
 * only when the sampler recorded it. A read that is not sampled costs less
 * still: the edge decides a root's sampling itself (edge-sampling.ts), and an
 * unsampled read runs with no span and no context, since nothing below it
 * could record (a dropped parent's children are dropped, and the PostgreSQL
 * and Redis instrumentations make no span without a parent). Its log lines
 * then carry no trace ids: the trace would not be exported anyway. An
 * unsampled write keeps its non-recording span, so its outbox row carries the
 * unsampled traceparent and the relay and projector follow the decision.
 * Installed only when tracing started.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { EDGE_DROPPED, EDGE_SAMPLED, SDK_DECIDES, type EdgeSampling } from './edge-sampling.js';

/** The paths of probes: no spans. */
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

/** Methods that write nothing, so leave no traceparent anywhere: unsampled, they need no context. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A middleware that runs the rest of the request inside its server span,
 * named by the express route that answered (`GET /orders/:uid`, never the raw
 * path) once the response is finished.
 */
export function traceHttpRequests(sampling: EdgeSampling = SDK_DECIDES): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const tracer = trace.getTracer('@order-service/http');
  const { decidesRoots, rootRatio } = sampling;
  // The headers the configured propagators read (traceparent, tracestate, baggage by default): a request with none of
  // them has no caller's context to extract, which is most requests, so they skip the extraction.
  const fields = propagation.fields();
  const carriesContext = (headers: IncomingMessage['headers']): boolean => fields.some((field) => headers[field] !== undefined);
  return (req, res, next) => {
    const url = req.url ?? '/';
    if (UNTRACED_PATHS.test(url)) {
      next();
      return;
    }
    const method = req.method ?? 'GET';
    const read = READ_METHODS.has(method);
    const parent = carriesContext(req.headers) ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
    let spanParent = parent;
    if (decidesRoots && trace.getSpanContext(parent) === undefined) {
      const sampled = Math.random() < rootRatio;
      if (!sampled && read) {
        next();
        return;
      }
      spanParent = sampled ? EDGE_SAMPLED : EDGE_DROPPED;
    }
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, spanParent);
    const recording = span.isRecording();
    if (!recording && read) {
      next();
      return;
    }
    const active = trace.setSpan(parent, span);
    // A body is read through stream callbacks, which would run outside the span's context.
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) context.bind(active, req);
    if (!recording) {
      context.with(active, next);
      return;
    }
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      const route = (req as { route?: { path?: unknown } }).route?.path;
      const status = res.statusCode;
      span.setAttributes({
        'http.request.method': method,
        'url.path': url.split('?', 1)[0],
        'url.scheme': 'http',
        'http.response.status_code': status,
        ...(typeof route === 'string' && { 'http.route': route }),
        ...(req.socket.remoteAddress !== undefined && { 'network.peer.address': req.socket.remoteAddress }),
      });
      if (typeof route === 'string') span.updateName(`${method} ${route}`);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(active, next);
  };
}
