// The redrive's sorting of dead letters: counted by reason, sent again only when decodable and not yet redriven.
import { expect } from 'chai';
import { encodeOrderEvent, EVENT_HEADERS } from '@order-service/contracts';
import { anOrder } from '@order-service/domain/testing';
import { ledgerKey, redriveHeaders, surveyDeadLetters, type ParkedRecord } from './dead-letter-survey.js';

const DLQ = 'orders-events.dlq';

function parked(offset: number, value: Buffer | null, reason: string | undefined, timestampMs: number): ParkedRecord {
  return {
    partition: 0,
    offset: String(offset),
    timestampMs,
    key: Buffer.from(`k${offset}`),
    value,
    headers: { [EVENT_HEADERS.type]: 'order.upserted', ...(reason && { [EVENT_HEADERS.dlqReason]: reason, [EVENT_HEADERS.dlqSourceOffset]: '7' }) },
  };
}

const order = anOrder().build();
const decodable = encodeOrderEvent({
  schema_version: 1,
  type: 'order.upserted',
  event_id: 'e1',
  order_uid: order.order_uid,
  version: 2,
  occurred_at: '2026-01-01T00:00:00Z',
  request_id: null,
  order,
});

describe('surveyDeadLetters', () => {
  const records = [
    parked(0, Buffer.from('not json'), 'not-json', 3_000),
    parked(1, decodable, 'unsupported-schema-version', 1_000),
    parked(2, decodable, 'invalid', 5_000),
    parked(3, null, undefined, 2_000),
  ];

  it('counts records per reason with the oldest and newest, and picks the decodable ones', () => {
    const survey = surveyDeadLetters(DLQ, records, new Set());
    expect(survey).to.deep.include({ total: 4, oldestMs: 1_000, newestMs: 5_000, alreadyRedriven: 0, undecodable: 2 });
    expect(survey.byReason).to.deep.equal({ 'not-json': 1, 'unsupported-schema-version': 1, invalid: 1, unknown: 1 });
    expect(survey.toRedrive.map((r) => r.offset)).to.deep.equal(['1', '2']);
  });

  it('leaves out what the ledger names as redriven', () => {
    const survey = surveyDeadLetters(DLQ, records, new Set([ledgerKey(DLQ, { partition: 0, offset: '1' })]));
    expect(survey.toRedrive.map((r) => r.offset)).to.deep.equal(['2']);
    expect(survey.alreadyRedriven).to.equal(1);
  });

  it('sends the original headers without dlq-* ones, plus redriven-from', () => {
    expect(redriveHeaders(DLQ, records[1]!)).to.deep.equal({ [EVENT_HEADERS.type]: 'order.upserted', [EVENT_HEADERS.redrivenFrom]: 'orders-events.dlq/0/1' });
  });
});
