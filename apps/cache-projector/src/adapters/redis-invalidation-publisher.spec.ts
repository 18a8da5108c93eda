import { expect } from 'chai';
import { encodeInvalidations, MAX_UIDS_PER_MESSAGE } from '@order-service/contracts';
import { RedisInvalidationPublisher } from './redis-invalidation-publisher.js';

describe('RedisInvalidationPublisher', () => {
  it('publishes {"uids": [...], "versions": [...]} with the versions in the order of the uids', async () => {
    const sent: string[][] = [];
    const publisher = new RedisInvalidationPublisher(
      { publish: async (channel, message) => void sent.push(['PUBLISH', channel, message]) },
      'orders:invalidate',
    );

    await publisher.publish(
      new Map([
        ['o-1', 3],
        ['o-2', 1],
      ]),
    );

    expect(sent).to.deep.equal([['PUBLISH', 'orders:invalidate', '{"uids":["o-1","o-2"],"versions":[3,1]}']]);
  });

  it('splits many orders into messages of at most MAX_UIDS_PER_MESSAGE, and sends nothing for none', () => {
    const versions = new Map(Array.from({ length: MAX_UIDS_PER_MESSAGE * 2 + 1 }, (_, i) => [`o-${i}`, i + 1] as const));

    const messages = encodeInvalidations(versions).map((text) => JSON.parse(text) as { uids: string[]; versions: number[] });

    expect(messages.map((message) => message.uids.length)).to.deep.equal([MAX_UIDS_PER_MESSAGE, MAX_UIDS_PER_MESSAGE, 1]);
    expect(messages.flatMap((message) => message.uids)).to.deep.equal([...versions.keys()]);
    expect(messages.flatMap((message) => message.versions)).to.deep.equal([...versions.values()]);
    expect(encodeInvalidations(new Map())).to.deep.equal([]);
  });
});
