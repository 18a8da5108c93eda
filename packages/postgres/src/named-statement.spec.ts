import { expect } from 'chai';
import { namedStatement } from './named-statement.js';

describe('namedStatement', () => {
  it("numbers knex's ? placeholders in order and keeps the name", () => {
    expect(namedStatement('s', 'select ?::int, ? where x = any(?::bigint[])')).to.deep.equal({
      name: 's',
      text: 'select $1::int, $2 where x = any($3::bigint[])',
    });
  });

  it('leaves SQL without placeholders as it is', () => {
    expect(namedStatement('t', 'select 1').text).to.equal('select 1');
  });
});
