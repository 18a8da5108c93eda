import { expect } from 'chai';
import { createClient } from 'redis';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';

describe('Redis (real server)', () => {
  const client = createClient({ url: testEnvironment.redisUrl });

  before(async () => {
    await client.connect();
  });
  after(async () => {
    await client.quit();
  });

  it('stores and returns a value, and expires it', async () => {
    const key = uniqueName('it-redis');
    await client.set(key, 'value', { expiration: { type: 'PX', value: 200 } });
    expect(await client.get(key)).to.equal('value');
    expect(await client.pTTL(key)).to.be.within(1, 200);
    await new Promise((r) => setTimeout(r, 250));
    expect(await client.get(key)).to.equal(null);
  });
});
