import type { Writable } from 'node:stream';
import winston from 'winston';
import { redactField, redactText } from './personal-data.js';
import { activeTraceFields } from './trace-context.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: string;
  service: string;
  /** Human-readable lines for a terminal instead of JSON. */
  pretty?: boolean;
  /** Where lines go instead of stdout (tests read them). */
  destination?: Writable;
}

/**
 * One logger per process, JSON lines to stdout with `time`, `level`, `msg` and
 * context fields; components take `logger.child({ component })`. Personal
 * data is redacted from every line (see personal-data.ts). A line written
 * inside a span carries its `trace_id` and `span_id`.
 */
export function createLogger({ level, service, pretty = false, destination }: LoggerOptions): Logger {
  const redact = winston.format((info) => {
    const fields = info as Record<string | symbol, unknown>;
    for (const key of Object.keys(fields))
      fields[key] = key === 'message' && typeof fields[key] === 'string' ? redactText(fields[key]) : redactField(key, fields[key]);
    return info;
  });
  const traceIds = winston.format((info) => Object.assign(info, activeTraceFields()));
  // The wire names are `time` and `msg`, the seed's and most log shippers' convention.
  const renameFields = winston.format((info) => {
    const fields = info as Record<string, unknown>;
    fields.time = fields.timestamp;
    fields.msg = fields.message;
    delete fields.timestamp;
    delete fields.message;
    return info;
  });
  const json = winston.format.combine(
    winston.format.errors({ stack: true }),
    traceIds(),
    redact(),
    winston.format.timestamp(),
    renameFields(),
    winston.format.json(),
  );
  const human = winston.format.combine(
    winston.format.errors({ stack: true }),
    traceIds(),
    redact(),
    winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
    winston.format.printf(({ timestamp, level: lvl, message, service: svc, component, ...rest }) => {
      const context = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
      return `${String(timestamp)} ${lvl.padEnd(5)} ${String(svc)}${component ? `/${String(component)}` : ''}: ${String(message)}${context}`;
    }),
  );
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: pretty ? human : json,
    transports: [destination ? new winston.transports.Stream({ stream: destination }) : new winston.transports.Console()],
  });
}

/**
 * A service whose log reader has gone (its stdout a pipe whose reader died)
 * keeps running and stops when asked, dropping its lines: without a listener,
 * the EPIPE error event on stdout would throw from whatever call logged.
 */
export function keepRunningWhenOutputCloses(logger: Logger): void {
  process.stdout.on('error', () => {
    logger.silent = true;
  });
  process.stderr.on('error', () => undefined);
}
