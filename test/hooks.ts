/**
 * Root hook plugin shared by every test tier: chai configured once, sinon
 * restored after each test, and an unhandled rejection fails the run instead
 * of being swallowed; the test token issuer is closed at the end.
 */
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import sinon from 'sinon';
import { closeTestIssuer } from './support/test-issuer.js';

chai.use(chaiAsPromised);
chai.config.truncateThreshold = 0;

process.on('unhandledRejection', (reason) => {
  throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
});

export const mochaHooks = {
  afterEach(): void {
    sinon.restore();
  },
  async afterAll(): Promise<void> {
    await closeTestIssuer();
  },
};
