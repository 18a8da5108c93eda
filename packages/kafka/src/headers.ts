import type { KafkaJS } from '@confluentinc/kafka-javascript';

/** The first value of a record header as text, or undefined. */
export function headerText(headers: KafkaJS.IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}
