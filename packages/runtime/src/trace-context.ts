/**
 * The active trace as data: the W3C traceparent an adapter stores with what
 * it writes (the outbox row), and the ids the logger puts on every line
 * written inside a span. With tracing off there is never an active span, and
 * both cost one lookup.
 */
import { isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';

/** The W3C traceparent of the active span (`00-<trace id>-<span id>-<flags>`), or null outside any span. */
export function activeTraceparent(): string | null {
  const span = trace.getActiveSpan();
  if (!span) return null;
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return null;
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** `trace_id` and `span_id` of the active span, for a log line; empty outside any span. */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
