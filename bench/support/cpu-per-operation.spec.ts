import { expect } from 'chai';
import { cpuPerOperation, processMicrosPerOperation, type CpuWindow } from './cpu-per-operation.js';

/** A timed window of `seconds` in which each named process used the given cores, and `operations` completed. */
function window(seconds: number, operations: number, processes: Record<string, number>): CpuWindow {
  return { usage: { seconds, cores: [], processes: new Map(Object.entries(processes)) }, operations };
}

describe('CPU per operation', () => {
  const windows = [
    // 2 s at 0.5 cores = 1 s of CPU for 10,000 reads: 100 µs each; then 200 and 150 µs.
    window(2, 10_000, { 'api-lru-hit': 0.5, 'bare-express': 0.25, postgres: 0.1, 'load generator': 0.9 }),
    window(2, 5_000, { 'api-lru-hit': 0.5, 'bare-express': 0.5, postgres: 0.1, 'load generator': 0.9 }),
    window(1, 4_000, { 'api-lru-hit': 0.6, 'bare-express': 0.2, postgres: 0.2, 'load generator': 0.9 }),
    // A window with no operation is left out rather than divided by zero.
    window(1, 0, { 'api-lru-hit': 0.1, 'bare-express': 0.1 }),
  ];

  it('gives each involved column the median of its per-window µs, and leaves out what is not involved', () => {
    const cpu = cpuPerOperation('GET', 'GET row', windows, ['api']);
    expect(cpu.micros).to.deep.equal({ api: 150 });
    expect(cpu.total).to.equal(150);
    expect(cpu.operations).to.equal(19_000);
    expect(cpuPerOperation('GET', 'GET row', windows, ['api', 'postgres']).micros).to.deep.equal({ api: 150, postgres: 40 });
  });

  it('gives one named process its median µs per operation, as for a baseline outside the columns', () => {
    // 50, 200 and 50 µs.
    expect(processMicrosPerOperation(windows, 'bare-express')).to.equal(50);
    expect(processMicrosPerOperation(windows, 'absent')).to.equal(0);
  });
});
