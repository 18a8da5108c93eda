/**
 * What log lines must never carry: an order's delivery (name, phone, e-mail,
 * address, city, region, zip) and a payment's transaction. Applied to every
 * line by the logger factory, whatever the level and whoever logs, so a
 * dead-letter warning quoting a decoder's message or a debug line with a whole
 * order stays clean.
 */
export const REDACTED = '[redacted]';

/** Keys whose value is personal wherever they appear; `delivery` takes its whole object. */
const PERSONAL_KEYS = new Set(['delivery', 'phone', 'email', 'e-mail', 'address', 'zip', 'transaction']);

/** Personal values inside free text: e-mail addresses, international phone numbers, and values a validator quotes. */
const PERSONAL_TEXT: ReadonlyArray<[RegExp, string]> = [
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, REDACTED],
  [/\+\d[\d ()-]{5,}\d/g, REDACTED],
  // joi: `"delivery.phone" with value "+7 900" fails to match ...`
  [/(with value )("(?:[^"\\]|\\.)*"|\S+)/g, `$1${REDACTED}`],
];

export function redactText(text: string): string {
  let redacted = text;
  for (const [pattern, replacement] of PERSONAL_TEXT) redacted = redacted.replace(pattern, replacement);
  return redacted;
}

/** A copy of `value` with every personal field and fragment replaced; the input is not changed. */
export function redactPersonalData(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactPersonalData(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message), ...(value.stack && { stack: redactText(value.stack) }) };
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactField(key, item, depth + 1);
  return copy;
}

/** The value of field `key` as it may be logged. */
export function redactField(key: string, value: unknown, depth = 0): unknown {
  if (PERSONAL_KEYS.has(key.toLowerCase()) && value !== null && value !== undefined) return REDACTED;
  return redactPersonalData(value, depth);
}
