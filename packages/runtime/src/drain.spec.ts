import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import sinon from 'sinon';
import { Drain } from './drain.js';

describe('Drain', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => clock.restore());

  const settledAfter = async (work: Promise<void>, ms: number): Promise<boolean> => {
    let done = false;
    void work.then(() => (done = true));
    await clock.tickAsync(ms);
    return done;
  };

  it('is ready until draining begins, then fails readiness at once and resolves only after the delay', async () => {
    const drain = new Drain();
    await drain.readiness.check();
    expect(drain.draining).to.equal(false);
    const delay = drain.begin(5_000);
    expect(drain.draining).to.equal(true);
    await expect(drain.readiness.check()).to.be.rejectedWith(/draining/);
    expect(await settledAfter(delay, 4_999)).to.equal(false);
    expect(await settledAfter(delay, 1)).to.equal(true);
    await expect(drain.readiness.check()).to.be.rejectedWith(/draining/);
  });

  it('waits only for what is left of the first delay when begun again', async () => {
    const drain = new Drain();
    const first = drain.begin(5_000);
    await clock.tickAsync(3_000);
    const second = drain.begin(5_000);
    expect(await settledAfter(second, 1_999)).to.equal(false);
    expect(await settledAfter(second, 1)).to.equal(true);
    await first;
  });

  it('resolves at once with no delay', async () => {
    const drain = new Drain();
    expect(await settledAfter(drain.begin(0), 0)).to.equal(true);
    expect(drain.draining).to.equal(true);
  });
});
