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
