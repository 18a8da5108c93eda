import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CursorPosition {
  dateCreated: Date;
  orderUid: string;
}

/**
 * Opaque, tamper-evident keyset cursors: the position and a digest of the
 * filters it belongs to, signed with HMAC-SHA256. A cursor altered, forged, or
 * reused with other filters is refused.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(position: CursorPosition, filters: string): string {
    const body = Buffer.from(JSON.stringify({ d: position.dateCreated.toISOString(), u: position.orderUid, f: this.digest(filters) })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The position, or null when the cursor is not one this service issued for these filters. */
  decode(cursor: string, filters: string): CursorPosition | null {
    const [body, signature, extra] = cursor.split('.');
    if (!body || !signature || extra !== undefined) return null;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const { d, u, f } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { d: string; u: string; f: string };
      const dateCreated = new Date(d);
      if (f !== this.digest(filters) || typeof u !== 'string' || Number.isNaN(dateCreated.getTime())) return null;
      return { dateCreated, orderUid: u };
    } catch {
      return null;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }

  private digest(filters: string): string {
    return createHmac('sha256', this.secret).update(`filters:${filters}`).digest('base64url').slice(0, 16);
  }
}
