import { expect } from 'chai';
import { CursorCodec } from './cursor.js';

describe('CursorCodec', () => {
  const codec = new CursorCodec('a-secret-of-some-length');
  const position = { dateCreated: new Date('2024-03-01T10:00:00.123Z'), orderUid: '0193a5b4-7c1e-7a2b-9c3d-4e5f60718293' };

  it('decodes what it encoded for the same filters', () => {
    expect(codec.decode(codec.encode(position, 'customer_id=c-1'), 'customer_id=c-1')).to.deep.equal(position);
  });

  it('is opaque: the cursor does not show the filters in clear', () => {
    expect(codec.encode(position, 'customer_id=c-1')).not.to.include('c-1');
  });

  it('refuses a cursor reused with other filters, signed with another secret, altered, or malformed', () => {
    const cursor = codec.encode(position, 'customer_id=c-1');
    const [body, signature] = cursor.split('.');
    const altered = `${Buffer.from(JSON.stringify({ d: position.dateCreated.toISOString(), u: 'other', f: 'x' })).toString('base64url')}.${signature}`;
    expect(codec.decode(cursor, 'customer_id=c-2')).to.equal(null);
    expect(new CursorCodec('another-secret').decode(cursor, 'customer_id=c-1')).to.equal(null);
    expect(codec.decode(altered, 'customer_id=c-1')).to.equal(null);
    expect(codec.decode(`${body}`, 'customer_id=c-1')).to.equal(null);
    expect(codec.decode(`${cursor}.extra`, 'customer_id=c-1')).to.equal(null);
    expect(codec.decode('', 'customer_id=c-1')).to.equal(null);
  });
});
