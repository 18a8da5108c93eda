import type { OrderEvent } from './order-events.js';

/**
 * One message on the invalidation channel: JSON text
 * `{"uids": ["o-1", "o-2"], "versions": [3, 1]}`, where `versions[i]` is the
 * version of `uids[i]` the projector has just handled (the cache holds that
 * version or a newer one). A replica drops its local copy of `uids[i]` when
 * that copy's version is lower than `versions[i]` (or unconditionally, if it
 * does not keep versions). The arrays have the same length, at most
 * MAX_UIDS_PER_MESSAGE; a batch of more orders is sent as several messages.
 * A message may name an order the replica already dropped, or name it again:
 * handling it must be idempotent.
 */
export interface InvalidationMessage {
  uids: string[];
  versions: number[];
}

/** One order a message names; `version` is undefined when the message carries none for it. */
export interface Invalidation {
  orderUid: string;
  version: number | undefined;
}

/** Keeps each message a few tens of kilobytes at most (uids are at most 64 characters). */
export const MAX_UIDS_PER_MESSAGE = 500;

/** Each order of `events` once, with the highest version they carry: what an invalidation announces for them. */
export function highestVersions(events: readonly OrderEvent[]): Map<string, number> {
  const versions = new Map<string, number>();
  for (const { order_uid: uid, version } of events) {
    if (version > (versions.get(uid) ?? 0)) versions.set(uid, version);
  }
  return versions;
}

/** The messages announcing `versions`, in order, each within MAX_UIDS_PER_MESSAGE. */
export function encodeInvalidations(versions: ReadonlyMap<string, number>): string[] {
  const entries = [...versions];
  const messages: string[] = [];
  for (let start = 0; start < entries.length; start += MAX_UIDS_PER_MESSAGE) {
    const chunk = entries.slice(start, start + MAX_UIDS_PER_MESSAGE);
    const message: InvalidationMessage = { uids: chunk.map(([uid]) => uid), versions: chunk.map(([, version]) => version) };
    messages.push(JSON.stringify(message));
  }
  return messages;
}

/**
 * The orders a message names, read leniently: a uid that is not a string is
 * skipped and a version that is not a number is left out, so a message from a
 * newer projector still invalidates what it can. Undefined when the message
 * names no list of uids; throws SyntaxError when it is not JSON.
 */
export function decodeInvalidation(text: string): Invalidation[] | undefined {
  const { uids, versions } = JSON.parse(text) as { uids?: unknown; versions?: unknown };
  if (!Array.isArray(uids)) return undefined;
  const invalidations: Invalidation[] = [];
  uids.forEach((uid: unknown, i) => {
    const version: unknown = Array.isArray(versions) ? versions[i] : undefined;
    if (typeof uid === 'string') invalidations.push({ orderUid: uid, version: typeof version === 'number' ? version : undefined });
  });
  return invalidations;
}
