import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { envExample, withEnvironmentSection } from '../../scripts/readme-env.js';

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('lists every environment variable of both apps exactly as their convict schemas define them', () => {
    expect(readme).to.equal(withEnvironmentSection(readme), 'run: node --conditions=source --import tsx scripts/readme-env.ts');
  });

  it('ships a .env.example naming every variable at its default', () => {
    expect(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')).to.equal(envExample());
  });

  it('gives the two set-up commands and the test command CI runs', () => {
    expect(readme).to.include('./scripts/up');
    expect(readme).to.include('./scripts/test');
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).to.include('./scripts/test');
  });
});
