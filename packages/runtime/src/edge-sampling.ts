/**
 * Sampling decided once at the HTTP edge. A request that arrives without a
 * trace is sampled there, with the configured root sampler's ratio, before any
 * span exists: a read that is not sampled then runs with no span and no
 * context at all (the costly part of tracing a request nobody records), and a
 * sampled one starts its server span with the decision in the parent context,
 * which the SDK's sampler (see `honouringEdgeDecision`) takes as it is.
 * Only for parent-based samplers, whose children follow the edge's decision;
 * with the others the SDK decides the server span as it does every span.
 */
import { createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type { Sampler, SamplingDecision } from '@opentelemetry/sdk-trace';

const EDGE_DECISION = createContextKey('@order-service/runtime: the HTTP edge sampling decision');

/** The parent context of a server span the edge sampled; nothing but the decision (the root has no parent span). */
export const EDGE_SAMPLED: Context = ROOT_CONTEXT.setValue(EDGE_DECISION, true);
/** The parent context of a server span the edge dropped (a write, which still carries its unsampled traceparent downstream). */
export const EDGE_DROPPED: Context = ROOT_CONTEXT.setValue(EDGE_DECISION, false);

/** The edge's decision carried by `context`: true sampled, false dropped, undefined when the edge did not decide. */
export function edgeDecisionOf(context: Context): boolean | undefined {
  return context.getValue(EDGE_DECISION) as boolean | undefined;
}

/** How the edge samples, from the configured sampler. */
export interface EdgeSampling {
  /** Whether the edge decides a root request itself (parent-based samplers only). */
  decidesRoots: boolean;
  /** Share of root requests sampled, 0 to 1. */
  rootRatio: number;
}

/** The edge sampling of OTEL_TRACES_SAMPLER `sampler` with ratio `ratio` (OTEL_TRACES_SAMPLER_ARG, 1 when empty). */
export function edgeSamplingOf(sampler: string, ratio: number): EdgeSampling {
  const followsParent = sampler.startsWith('parentbased_');
  const root = followsParent ? sampler.slice('parentbased_'.length) : sampler;
  const rootRatio = root === 'always_on' ? 1 : root === 'always_off' ? 0 : ratio;
  return { decidesRoots: followsParent, rootRatio };
}

/** What the edge does before tracing starts, and with a sampler it cannot decide for: nothing of its own. */
export const SDK_DECIDES: EdgeSampling = { decidesRoots: false, rootRatio: 1 };

/**
 * The SDK's sampler: a span whose parent context carries the edge's decision
 * (the server span of a root request) takes it; every other span is
 * `configured`'s. The decisions are SamplingDecision's values, written out
 * because nothing of the SDK may load while tracing is off.
 */
export function honouringEdgeDecision(configured: Sampler): Sampler {
  const sampled = { decision: 2 as SamplingDecision.RECORD_AND_SAMPLED };
  const dropped = { decision: 0 as SamplingDecision.NOT_RECORD };
  return {
    shouldSample: (parent, ...rest) => {
      const decided = edgeDecisionOf(parent);
      if (decided === undefined) return configured.shouldSample(parent, ...rest);
      return decided ? sampled : dropped;
    },
    toString: () => `HonouringEdgeDecision{${configured.toString()}}`,
  };
}
