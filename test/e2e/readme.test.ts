import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
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

  it('has a runbook paragraph for every alert of deploy/prometheus/rules.yml, which links to it with a summary', () => {
    const rules = parse(readFileSync(new URL('../../deploy/prometheus/rules.yml', import.meta.url), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string; annotations?: Record<string, string> }> }>;
    };
    const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
    expect(alerts).to.have.length.greaterThan(7);
    for (const { alert, annotations } of alerts) {
      expect(readme, `runbook of ${alert}`).to.include(`\n#### ${alert}\n`);
      expect(annotations?.runbook_url, `runbook_url of ${alert}`).to.equal(`README.md#${alert!.toLowerCase()}`);
      expect(annotations?.summary ?? '', `summary of ${alert}`).to.have.length.greaterThan(10);
    }
  });
});
