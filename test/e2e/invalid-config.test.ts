import { spawnSync } from 'node:child_process';
import { expect } from 'chai';

const root = new URL('../../', import.meta.url).pathname;

function start(main: string, env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('a bad configuration stops each app at start, naming the variable', () => {
  it('the API refuses a port that is not a port and an unknown cache backend', () => {
    const { status, stderr } = start('apps/api/src/main.ts', { PORT: 'eighty', CACHE_BACKEND: 'memcached' });
    expect(status).to.equal(78);
    expect(stderr).to.include('PORT (http.port');
    expect(stderr).to.include('CACHE_BACKEND (cache.backend');
  });

  it('the cache projector refuses a batch size that is not a number', () => {
    const { status, stderr } = start('apps/cache-projector/src/main.ts', { PROJECTOR_MAX_BATCH_SIZE: 'lots' });
    expect(status).to.equal(78);
    expect(stderr).to.include('PROJECTOR_MAX_BATCH_SIZE (kafka.maxBatchSize');
  });
});
