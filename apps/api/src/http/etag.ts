import type { ExpectedVersion } from '../use-cases/order-repository.js';

/** The strong entity tag of an order version: the same version is the same bytes on every replica and tier. */
export function etagFor(version: number): string {
  return `"v${version}"`;
}

const STRONG_TAG = /^"v([1-9]\d{0,9})"$/;

/**
 * The versions `If-Match` accepts: `*` is any existing version, strong tags
 * of ours are their versions (the write goes ahead if the order is at any of
 * them), and a header naming none of ours can match no version (weak tags
 * never match under the strong comparison If-Match uses).
 */
export function expectedVersionFrom(ifMatch: string | undefined): ExpectedVersion | undefined | 'unmatchable' {
  if (ifMatch === undefined) return undefined;
  const tags = ifMatch
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.includes('*')) return 'any';
  const versions = tags.map((t) => STRONG_TAG.exec(t)?.[1]).filter((v): v is string => v !== undefined);
  return versions.length > 0 ? [...new Set(versions.map(Number))] : 'unmatchable';
}

const ANY_TAG = /^(?:W\/)?"v([1-9]\d{0,9})"$/;

/**
 * The version a client has already seen, read from the tags of ours its
 * `If-None-Match` names (strong or weak; the newest of them): a read must not
 * answer anything older. 0 when it names none of ours (or only `*`).
 */
export function versionFloorFrom(ifNoneMatch: string | undefined): number {
  if (ifNoneMatch === undefined) return 0;
  let floor = 0;
  for (const raw of ifNoneMatch.split(',')) {
    const version = ANY_TAG.exec(raw.trim())?.[1];
    if (version !== undefined) floor = Math.max(floor, Number(version));
  }
  return floor;
}

const MIN_VERSION = /^[1-9]\d{0,9}$/;

/** The `Min-Version` request header: undefined when absent, null when it is not a version (1 or more, decimal digits). */
export function minVersionFrom(header: string | undefined): number | undefined | null {
  if (header === undefined) return undefined;
  const value = header.trim();
  return MIN_VERSION.test(value) ? Number(value) : null;
}

/** Whether `If-None-Match` names the current version (weak comparison, as RFC 9110 asks for GET). */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, version: number): boolean {
  if (ifNoneMatch === undefined) return false;
  const current = etagFor(version);
  return ifNoneMatch.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag === current || tag === `W/${current}`;
  });
}

/**
 * Whether a GET is answered 304 (RFC 9110 13.2.2): by `If-None-Match` when the
 * request has one, else by `If-Modified-Since` against the second-precision
 * Last-Modified the order is sent with.
 */
export function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, version: number, modifiedAt: Date | undefined): boolean {
  if (ifNoneMatch !== undefined) return ifNoneMatchHits(ifNoneMatch, version);
  if (ifModifiedSince === undefined || modifiedAt === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Math.floor(modifiedAt.getTime() / 1000) * 1000 <= since;
}
