// What the dead-letter topic holds, and which of its records this build can send again: the redrive's pure core.
import { decodeOrderEvent, EVENT_HEADERS } from '@order-service/contracts';

/** One record of the dead-letter topic, as read. */
export interface ParkedRecord {
  readonly partition: number;
  readonly offset: string;
  /** When the projector parked it (the record's timestamp, ms since the epoch). */
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>> | undefined;
}

/** What a survey found; `toRedrive` holds the records an --apply sends again, in topic order. */
export interface DeadLetterSurvey {
  total: number;
  /** Records per `dlq-reason` header (`unknown` when a record has none). */
  byReason: Record<string, number>;
  oldestMs: number | null;
  newestMs: number | null;
  /** Records that decode now and were not sent again before. */
  toRedrive: ParkedRecord[];
  /** Records that decode now but were sent again by an earlier --apply (the ledger names them). */
  alreadyRedriven: number;
  /** Records that still do not decode: they stay. */
  undecodable: number;
}

/** The ledger key of a parked record: where in the dead-letter topic it sits. */
export function ledgerKey(deadLetterTopic: string, record: Pick<ParkedRecord, 'partition' | 'offset'>): string {
  return `${deadLetterTopic}/${record.partition}/${record.offset}`;
}

/**
 * Sorts the dead-letter topic's records. A record is sent again only when it
 * decodes as an order event with this build's decoder (so the projector can
 * apply it) and the ledger of earlier redrives does not name it: a second
 * --apply sends nothing twice, and a record left now is looked at again by the
 * next run, after the next fix.
 */
export function surveyDeadLetters(deadLetterTopic: string, records: readonly ParkedRecord[], redriven: ReadonlySet<string>): DeadLetterSurvey {
  const survey: DeadLetterSurvey = { total: 0, byReason: {}, oldestMs: null, newestMs: null, toRedrive: [], alreadyRedriven: 0, undecodable: 0 };
  for (const record of records) {
    survey.total += 1;
    const reason = headerValue(record.headers?.[EVENT_HEADERS.dlqReason]) ?? 'unknown';
    survey.byReason[reason] = (survey.byReason[reason] ?? 0) + 1;
    survey.oldestMs = Math.min(survey.oldestMs ?? Infinity, record.timestampMs);
    survey.newestMs = Math.max(survey.newestMs ?? -Infinity, record.timestampMs);
    if (!decodes(record.value)) survey.undecodable += 1;
    else if (redriven.has(ledgerKey(deadLetterTopic, record))) survey.alreadyRedriven += 1;
    else survey.toRedrive.push(record);
  }
  return survey;
}

/**
 * The headers a redriven record carries: the original record's (request id,
 * event type, version...) without the projector's dlq-* ones, plus
 * `redriven-from` naming where it was parked.
 */
export function redriveHeaders(deadLetterTopic: string, record: ParkedRecord): Record<string, Buffer | string | (Buffer | string)[]> {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (value !== undefined && !name.startsWith('dlq-')) headers[name] = value;
  }
  headers[EVENT_HEADERS.redrivenFrom] = ledgerKey(deadLetterTopic, record);
  return headers;
}

function decodes(value: Buffer | null): boolean {
  if (value === null) return false;
  try {
    decodeOrderEvent(value);
    return true;
  } catch {
    return false;
  }
}

function headerValue(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
