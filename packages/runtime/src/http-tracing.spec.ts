// The HTTP edge's server spans with the real SDK in this process, spans kept in memory: what a sampled, a dropped
// read, a dropped write and a caller's trace each get.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { EDGE_DROPPED, EDGE_SAMPLED, edgeSamplingOf, honouringEdgeDecision, type EdgeSampling } from './edge-sampling.js';
import { traceHttpRequests } from './http-tracing.js';
import { activeTraceparent } from './trace-context.js';

describe('edgeSamplingOf', () => {
  it('lets the edge decide roots under the parent-based samplers only, with their root ratio', () => {
    expect(edgeSamplingOf('parentbased_traceidratio', 0.1)).to.deep.equal({ decidesRoots: true, rootRatio: 0.1 });
    expect(edgeSamplingOf('parentbased_always_on', 0.1)).to.deep.equal({ decidesRoots: true, rootRatio: 1 });
    expect(edgeSamplingOf('parentbased_always_off', 1)).to.deep.equal({ decidesRoots: true, rootRatio: 0 });
    // Without parent-based sampling each span decides on its own: the SDK's, span by span.
    expect(edgeSamplingOf('traceidratio', 0.1)).to.include({ decidesRoots: false });
    expect(edgeSamplingOf('always_off', 1)).to.include({ decidesRoots: false });
  });
});

describe('honouringEdgeDecision', () => {
  const configured = new AlwaysOffSampler();
  const sampler = honouringEdgeDecision(configured);
  const decide = (parent: Parameters<Sampler['shouldSample']>[0]) =>
    sampler.shouldSample(parent, '0af7651916cd43dd8448eb211c80319c', 'GET', SpanKind.SERVER, {}, []).decision;

  it("takes the edge's decision both ways, with the SDK's values, and asks the configured sampler otherwise", () => {
    expect(decide(EDGE_SAMPLED)).to.equal(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(EDGE_DROPPED)).to.equal(SamplingDecision.NOT_RECORD);
    expect(decide(context.active())).to.equal(SamplingDecision.NOT_RECORD);
    expect(
      honouringEdgeDecision(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) })).shouldSample(
        context.active(),
        '0af7651916cd43dd8448eb211c80319c',
        'GET',
        SpanKind.SERVER,
        {},
        [],
      ).decision,
    ).to.equal(SamplingDecision.RECORD_AND_SAMPLED);
  });
});

describe('traceHttpRequests with the SDK started', () => {
  const exporter = new InMemorySpanExporter();
  let configured: Sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) });
  let sdk: { shutdown(): Promise<void> };
  let server: Server;
  let url: string;
  let sampling: EdgeSampling;
  /** What the handler saw: the active span's traceparent and whether it recorded. */
  let seen: { traceparent: string | null; recording: boolean | undefined };

  before(async () => {
    sdk = startNodeSdk({
      sampler: honouringEdgeDecision({ shouldSample: (...args) => configured.shouldSample(...args), toString: () => configured.toString() }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: [],
      resourceDetectors: [],
    });
    server = createServer((req, res) => {
      traceHttpRequests(sampling)(req, res, () => {
        seen = { traceparent: activeTraceparent(), recording: trace.getActiveSpan()?.isRecording() };
        req.resume();
        req.on('end', () => res.writeHead(200).end());
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.close();
    await sdk.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  /** The spans one request to the edge sampling at `ratio` exported. */
  const at = async (ratio: number, method: string, headers: Record<string, string> = {}) => {
    exporter.reset();
    sampling = edgeSamplingOf('parentbased_traceidratio', ratio);
    configured = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    const res = await fetch(`${url}/orders/x`, { method, headers });
    expect(res.status).to.equal(200);
    await res.arrayBuffer();
    return exporter.getFinishedSpans();
  };

  it('records a sampled read: one server span with its attributes, active while the request runs', async () => {
    const spans = await at(1, 'GET');
    expect(seen.recording).to.equal(true);
    expect(spans).to.have.length(1);
    expect(spans[0]!.kind).to.equal(SpanKind.SERVER);
    expect(spans[0]!.attributes).to.include({ 'http.request.method': 'GET', 'url.path': '/orders/x', 'http.response.status_code': 200 });
    expect(seen.traceparent).to.equal(`00-${spans[0]!.spanContext().traceId}-${spans[0]!.spanContext().spanId}-01`);
  });

  it('runs a dropped read with no span and no context at all', async () => {
    const spans = await at(0, 'GET');
    expect(seen).to.deep.equal({ traceparent: null, recording: undefined });
    expect(spans).to.deep.equal([]);
  });

  it('gives a dropped write a non-recording span, so what it stores carries the unsampled traceparent', async () => {
    const spans = await at(0, 'POST');
    expect(seen.recording).to.equal(false);
    expect(seen.traceparent).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(spans).to.deep.equal([]);
  });

  it("follows a caller's sampled trace whatever the ratio, and a caller's unsampled one as a dropped read", async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const sampled = await at(0, 'GET', { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
    expect(sampled).to.have.length(1);
    expect(sampled[0]!.spanContext().traceId).to.equal(callerTrace);
    expect(sampled[0]!.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');

    const dropped = await at(1, 'GET', { traceparent: `00-${callerTrace}-00f067aa0ba902b7-00` });
    expect(dropped).to.deep.equal([]);
    expect(seen).to.deep.equal({ traceparent: null, recording: undefined });
  });
});
