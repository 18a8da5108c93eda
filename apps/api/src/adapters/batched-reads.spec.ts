import { expect } from 'chai';
import { BatchedReads } from './batched-reads.js';

/** A readMany that records each batch it is asked for and finds the keys `known` holds. */
function recording(known: Record<string, number>) {
  const batches: string[][] = [];
  const readMany = async (keys: readonly string[]) => {
    batches.push([...keys]);
    return new Map(keys.filter((key) => key in known).map((key) => [key, known[key] as number]));
  };
  return { batches, readMany };
}

describe('BatchedReads', () => {
  it('runs the reads of one turn as one batch, each key once, and answers every caller (null for a key not found)', async () => {
    const { batches, readMany } = recording({ a: 1, b: 2 });
    const reads = new BatchedReads(readMany);
    const answers = await Promise.all([reads.read('a'), reads.read('b'), reads.read('a'), reads.read('missing')]);
    expect(answers).to.deep.equal([1, 2, 1, null]);
    expect(batches).to.deep.equal([['a', 'b', 'missing']]);
  });

  it('starts a new batch for reads made after the previous one was sent', async () => {
    const { batches, readMany } = recording({ a: 1, b: 2 });
    const reads = new BatchedReads(readMany);
    expect(await reads.read('a')).to.equal(1);
    expect(await reads.read('b')).to.equal(2);
    expect(batches).to.deep.equal([['a'], ['b']]);
  });

  it('sends a batch as soon as it holds maxBatch keys', async () => {
    const { batches, readMany } = recording({ a: 1, b: 2, c: 3 });
    const reads = new BatchedReads(readMany, { maxBatch: 2 });
    const answers = await Promise.all(['a', 'b', 'c'].map((key) => reads.read(key)));
    expect(answers).to.deep.equal([1, 2, 3]);
    expect(batches).to.deep.equal([['a', 'b'], ['c']]);
  });

  it('runs at most maxInFlight batches at once; the reads made meanwhile go together when one is answered', async () => {
    const batches: string[][] = [];
    const answers: Array<() => void> = [];
    const reads = new BatchedReads<string>(
      (keys) =>
        new Promise((resolve) => {
          batches.push([...keys]);
          answers.push(() => resolve(new Map(keys.map((key) => [key, key.toUpperCase()]))));
        }),
      { maxInFlight: 1 },
    );
    const first = reads.read('a');
    await new Promise((resolve) => setImmediate(resolve));
    const later = [reads.read('b'), reads.read('c')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches, 'b and c wait while a is read').to.deep.equal([['a']]);
    answers[0]?.();
    expect(await first).to.equal('A');
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).to.deep.equal([['a'], ['b', 'c']]);
    answers[1]?.();
    expect(await Promise.all(later)).to.deep.equal(['B', 'C']);
  });

  it("fails every read of a batch with the batch's error, and the next batch runs afresh", async () => {
    let fail = true;
    const reads = new BatchedReads<number>(async (keys) => {
      if (fail) throw new Error('connection lost');
      return new Map(keys.map((key) => [key, 7]));
    });
    const failed = await Promise.allSettled([reads.read('a'), reads.read('b')]);
    expect(failed.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).to.have.property('message', 'connection lost');
    fail = false;
    expect(await reads.read('a')).to.equal(7);
  });
});
