import type { ExpectedVersion } from '../use-cases/order-repository.js';

/** The strong entity tag of an order version: the same version is the same bytes on every replica and tier. */
export function etagFor(version: number): string {
  return `"v${version}"`;
}

const STRONG_TAG = /^"v([1-9]\d{0,9})"$/;

/**
 * The version `If-Match` requires: `*` is any existing version, a strong tag of
 * ours is that version, and anything else can match no version (weak tags never
 * match under the strong comparison If-Match uses).
 */
export function expectedVersionFrom(ifMatch: string | undefined): ExpectedVersion | undefined | 'unmatchable' {
  if (ifMatch === undefined) return undefined;
  const tags = ifMatch
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.includes('*')) return 'any';
  const versions = tags.map((t) => STRONG_TAG.exec(t)?.[1]).filter((v): v is string => v !== undefined);
  // Several tags would need a set-membership check; one tag is what clients send in practice.
  return versions.length === 1 ? Number(versions[0]) : 'unmatchable';
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
