import { expect } from 'chai';
import { DependencyStateLog } from './dependency-state-log.js';

function recorder(): {
  lines: Array<{ level: string; message: string; meta: Record<string, unknown> }>;
  sink: { warn: (m: string, meta?: object) => void; info: (m: string, meta?: object) => void };
} {
  const lines: Array<{ level: string; message: string; meta: Record<string, unknown> }> = [];
  return {
    lines,
    sink: {
      warn: (message, meta) => lines.push({ level: 'warn', message, meta: (meta ?? {}) as Record<string, unknown> }),
      info: (message, meta) => lines.push({ level: 'info', message, meta: (meta ?? {}) as Record<string, unknown> }),
    },
  };
}

describe('DependencyStateLog writes one line per state change and a summary at most every interval', () => {
  it('turns a thousand failures in 70 s into one down line, two summaries and one line when it is back', () => {
    let now = 1_000;
    const { lines, sink } = recorder();
    const state = new DependencyStateLog(sink, 'kafka', { summaryIntervalMs: 30_000, now: () => now });
    for (let i = 0; i < 1_000; i += 1) {
      state.down(new Error(`connect failed ${i}`));
      now += 70;
    }
    expect(state.isDown).to.equal(true);
    state.up();
    state.up();
    expect(lines.map((l) => `${l.level} ${l.message}`)).to.deep.equal([
      'warn kafka is down',
      'warn kafka is still down',
      'warn kafka is still down',
      'info kafka is back',
    ]);
    expect(lines[0]?.meta.error).to.equal('connect failed 0');
    expect(lines[1]?.meta.failures_since_last_line).to.be.within(425, 430);
    expect(lines[3]?.meta.down_for_ms).to.equal(1_000 * 70);
    expect(lines[3]?.meta.failures).to.equal(1_000);
  });

  it('says once that a dependency is up, and nothing for successes that change nothing', () => {
    const { lines, sink } = recorder();
    const state = new DependencyStateLog(sink, 'redis');
    state.up();
    state.up();
    expect(lines.map((l) => l.message)).to.deep.equal(['redis is up']);
  });

  it('asks the probe while down and reports the dependency back when it answers', async () => {
    const { lines, sink } = recorder();
    let answers = false;
    let probes = 0;
    const state = new DependencyStateLog(sink, 'kafka', {
      probeIntervalMs: 5,
      probe: async () => {
        probes += 1;
        if (!answers) throw new Error('still refused');
      },
    });
    state.down('refused');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(state.isDown).to.equal(true);
    answers = true;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(state.isDown).to.equal(false);
    expect(probes).to.be.greaterThan(1);
    expect(lines.map((l) => l.message)).to.deep.equal(['kafka is down', 'kafka is back']);
    state.close();
  });

  it('reports nothing once closed', () => {
    const { lines, sink } = recorder();
    const state = new DependencyStateLog(sink, 'redis');
    state.close();
    state.down(new Error('closing'));
    expect(lines).to.deep.equal([]);
  });
});
