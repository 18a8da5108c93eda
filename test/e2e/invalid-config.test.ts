import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { loadApiConfig } from '../../apps/api/src/config.js';

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

  it('the API in production refuses the development issuer, its sign-in, access control off and the default cursor secret', () => {
    const { status, stderr } = start('apps/api/src/main.ts', {
      NODE_ENV: 'production',
      AUTH_DEV_SIGN_IN_URL: 'http://127.0.0.1:8090/token',
      AUTH_REQUIRED: 'false',
    });
    expect(status).to.equal(78);
    for (const variable of [
      'AUTH_ISSUER (auth.issuer',
      'AUTH_JWKS_URL (auth.jwksUrl',
      'AUTH_DEV_SIGN_IN_URL (auth.devSignInUrl',
      'AUTH_REQUIRED (auth.required',
      'CURSOR_SECRET (search.cursorSecret',
    ]) {
      expect(stderr).to.include(variable);
    }
    const configured = loadApiConfig({
      env: { NODE_ENV: 'production', AUTH_ISSUER: 'https://issuer.example', AUTH_JWKS_URL: 'https://issuer.example/jwks.json', CURSOR_SECRET: 'x' },
    });
    expect(configured.auth).to.include({ issuer: 'https://issuer.example', required: true, devSignInUrl: '' });
  });

  it('the cache projector refuses a batch size that is not a number', () => {
    const { status, stderr } = start('apps/cache-projector/src/main.ts', { PROJECTOR_MAX_BATCH_SIZE: 'lots' });
    expect(status).to.equal(78);
    expect(stderr).to.include('PROJECTOR_MAX_BATCH_SIZE (kafka.maxBatchSize');
  });
});
