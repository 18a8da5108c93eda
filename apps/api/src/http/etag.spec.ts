import { expect } from 'chai';
import { etagFor, expectedVersionFrom, ifNoneMatchHits, minVersionFrom, notModified, versionFloorFrom } from './etag.js';

describe('entity tags', () => {
  describe('expectedVersionFrom (If-Match)', () => {
    it('asks for nothing when the header is absent', () => {
      expect(expectedVersionFrom(undefined)).to.equal(undefined);
    });

    it('accepts any existing version for *, even beside tags', () => {
      expect(expectedVersionFrom('*')).to.equal('any');
      expect(expectedVersionFrom('"v2", *')).to.equal('any');
    });

    it('reads every strong tag of ours, once each, and drops weak and foreign ones', () => {
      expect(expectedVersionFrom(etagFor(7))).to.deep.equal([7]);
      expect(expectedVersionFrom(' "v3" ,W/"v4","v5", "abc", "v3"')).to.deep.equal([3, 5]);
    });

    it('matches no version when no tag is a strong tag of ours', () => {
      for (const header of ['W/"v1"', '"abc"', '"v0"', '"v01"', '""', ' , ', '"v12345678901"']) {
        expect(expectedVersionFrom(header), header).to.equal('unmatchable');
      }
    });
  });

  describe('ifNoneMatchHits (If-None-Match)', () => {
    it('hits on the current tag, weak or strong, and on *', () => {
      expect(ifNoneMatchHits('"v2"', 2)).to.equal(true);
      expect(ifNoneMatchHits('"v1", W/"v2"', 2)).to.equal(true);
      expect(ifNoneMatchHits('*', 2)).to.equal(true);
    });

    it('misses when absent or naming other versions', () => {
      expect(ifNoneMatchHits(undefined, 2)).to.equal(false);
      expect(ifNoneMatchHits('"v1", "v3"', 2)).to.equal(false);
    });
  });

  describe('notModified (GET)', () => {
    const modifiedAt = new Date('2026-11-30T10:00:00.750Z');

    it('goes by If-None-Match when the request has one, whatever If-Modified-Since says', () => {
      expect(notModified('"v3"', undefined, 3, modifiedAt)).to.equal(true);
      expect(notModified('"v2"', 'Mon, 30 Nov 2026 11:00:00 GMT', 3, modifiedAt)).to.equal(false);
    });

    it('otherwise answers 304 when Last-Modified, to the second, is not after If-Modified-Since', () => {
      expect(notModified(undefined, modifiedAt.toUTCString(), 3, modifiedAt)).to.equal(true);
      expect(notModified(undefined, 'Mon, 30 Nov 2026 11:00:00 GMT', 3, modifiedAt)).to.equal(true);
      expect(notModified(undefined, 'Mon, 30 Nov 2026 09:59:59 GMT', 3, modifiedAt)).to.equal(false);
    });

    it('sends the order for an unreadable date, an unknown modification time or no condition', () => {
      expect(notModified(undefined, 'yesterday-ish', 3, modifiedAt)).to.equal(false);
      expect(notModified(undefined, modifiedAt.toUTCString(), 3, undefined)).to.equal(false);
      expect(notModified(undefined, undefined, 3, modifiedAt)).to.equal(false);
    });
  });

  describe('versionFloorFrom (If-None-Match as a floor)', () => {
    it('is the newest version among the tags of ours, strong or weak', () => {
      expect(versionFloorFrom('"v3"')).to.equal(3);
      expect(versionFloorFrom(' "v3", W/"v9" ,"v4"')).to.equal(9);
    });

    it('is 0 without a tag of ours', () => {
      for (const header of [undefined, '*', '"abc"', '"v0"', '"v01"', '', 'v3']) {
        expect(versionFloorFrom(header), String(header)).to.equal(0);
      }
    });
  });

  describe('minVersionFrom (Min-Version)', () => {
    it('reads a positive decimal version', () => {
      expect(minVersionFrom('7')).to.equal(7);
      expect(minVersionFrom(' 12 ')).to.equal(12);
      expect(minVersionFrom(undefined)).to.equal(undefined);
    });

    it('refuses anything else', () => {
      for (const header of ['0', '-1', '1.5', 'v2', '"v2"', '', '01', '12345678901', '1e3']) {
        expect(minVersionFrom(header), header).to.equal(null);
      }
    });
  });
});
