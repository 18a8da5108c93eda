import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { WATCHDOG_GRACE_MS } from '../../src/shutdown.js';

const fixture = new URL('../support/stopping-service.ts', import.meta.url).pathname;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the first signal to the exit. */
  afterMs: number;
  output: string;
}

/** Starts the fixture, sends `signals` (the later ones `gapMs` apart) once it is ready, and waits for it to end. */
async function stopFixture(mode: string, deadlineMs: number, signals: NodeJS.Signals[], gapMs = 300): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode, String(deadlineMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  while (!output.includes('ready\n')) {
    if (child.exitCode !== null) throw new Error(`fixture ended before it was ready: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const start = Date.now();
  for (const [index, signal] of signals.entries()) {
    if (index > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    child.kill(signal);
  }
  const [code, signal] = await exited;
  return { code, signal, afterMs: Date.now() - start, output };
}

describe('stopOnSignals (real processes)', function () {
  this.timeout(60_000);

  it('exits 0 once stop completes', async () => {
    const ended = await stopFixture('completes', 5_000, ['SIGTERM']);
    expect(ended, ended.output).to.include({ code: 0, signal: null });
  });

  it('ends the process when the deadline passes and stop never settles', async () => {
    const ended = await stopFixture('hangs', 1_000, ['SIGTERM']);
    expect(ended.signal, ended.output).to.equal('SIGKILL');
    expect(ended.output).to.include('shutdown deadline passed');
    expect(ended.afterMs).to.be.at.least(1_000);
  });

  it('ends the process at once on a second signal', async () => {
    const ended = await stopFixture('hangs', 30_000, ['SIGTERM', 'SIGINT']);
    expect(ended.signal, ended.output).to.equal('SIGKILL');
    expect(ended.output).to.include('second signal');
    // Long before the 30 s deadline: the watchdog did not do it.
    expect(ended.afterMs).to.be.below(15_000);
  });

  it('ends the process after the deadline even while its main thread is blocked in a native call', async () => {
    const ended = await stopFixture('blocks', 1_000, ['SIGTERM']);
    expect(ended.signal, ended.output).to.equal('SIGKILL');
    expect(ended.output).to.include('shutdown watchdog');
    expect(ended.output).not.to.include('shutdown deadline passed');
    expect(ended.afterMs).to.be.at.least(1_000 + WATCHDOG_GRACE_MS);
  });
});
