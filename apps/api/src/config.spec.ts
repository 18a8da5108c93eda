import { expect } from 'chai';
import { describe, it } from 'mocha';
import { loadApiConfig } from './config.js';

/** What production needs besides the variable under test: its own issuer and cursor secret. */
const production = {
  NODE_ENV: 'production',
  AUTH_ISSUER: 'https://issuer.example',
  AUTH_JWKS_URL: 'https://issuer.example/jwks.json',
  CURSOR_SECRET: 'a-secret-of-this-deployment',
};

describe('API configuration: the drain delay (SHUTDOWN_DRAIN_DELAY_MS)', () => {
  it('defaults to a few seconds in production and to a short delay elsewhere', () => {
    expect(loadApiConfig({ env: production }).shutdown.drainDelayMs).to.equal(5_000);
    expect(loadApiConfig({ env: { NODE_ENV: 'test' } }).shutdown.drainDelayMs).to.equal(250);
    expect(loadApiConfig({ env: {} }).shutdown.drainDelayMs).to.equal(250);
  });

  it('takes the milliseconds it is given, 0 included', () => {
    expect(loadApiConfig({ env: { ...production, SHUTDOWN_DRAIN_DELAY_MS: '1200' } }).shutdown.drainDelayMs).to.equal(1_200);
    expect(loadApiConfig({ env: { SHUTDOWN_DRAIN_DELAY_MS: '0' } }).shutdown.drainDelayMs).to.equal(0);
  });

  it('refuses a value that is not whole milliseconds, naming the variable', () => {
    expect(() => loadApiConfig({ env: { SHUTDOWN_DRAIN_DELAY_MS: '2s' } })).to.throw(/shutdown\.drainDelayMs/);
    expect(() => loadApiConfig({ env: { SHUTDOWN_DRAIN_DELAY_MS: '-5' } })).to.throw(/shutdown\.drainDelayMs/);
  });

  it('refuses a delay that is not below the shutdown deadline it is part of', () => {
    expect(() => loadApiConfig({ env: { SHUTDOWN_DRAIN_DELAY_MS: '15000' } })).to.throw(/drainDelayMs: 15000 ms must be below shutdown\.deadlineMs \(15000 ms/);
    expect(() => loadApiConfig({ env: { SHUTDOWN_DRAIN_DELAY_MS: '3000', SHUTDOWN_DEADLINE_MS: '2000' } })).to.throw(/SHUTDOWN_DEADLINE_MS/);
    expect(loadApiConfig({ env: { SHUTDOWN_DRAIN_DELAY_MS: '1999', SHUTDOWN_DEADLINE_MS: '2000' } }).shutdown.drainDelayMs).to.equal(1_999);
  });
});
