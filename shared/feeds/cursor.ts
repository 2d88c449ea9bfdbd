/**
 * Opaque paging cursors (RFC 5005 next links). A cursor carries a feed position (`<published>#<articleId>`)
 * bound to the feed it came from by a MAC: an edited, truncated or foreign cursor (another feed's, another
 * format version's) is refused with a reason instead of silently paging from the wrong place.
 * The position is not secret (feeds are public); the MAC is about integrity, not confidentiality.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = '1';
const MAC_BYTES = 12;
const MAX_CURSOR_LENGTH = 512;

export class CursorError extends Error {
  override readonly name = 'CursorError';
}

export interface CursorCodec {
  encode(feedKey: string, position: string): string;
  /** The position inside a cursor made by `encode` for the same feed; throws CursorError otherwise. */
  decode(feedKey: string, cursor: string): string;
}

export function cursorCodec(key: string): CursorCodec {
  const mac = (feedKey: string, payload: string) =>
    createHmac('sha256', key).update(`${feedKey}\n${payload}`).digest().subarray(0, MAC_BYTES);

  return {
    encode(feedKey, position) {
      const payload = `${VERSION}.${position}`;
      return `${Buffer.from(payload, 'utf8').toString('base64url')}.${mac(feedKey, payload).toString('base64url')}`;
    },
    decode(feedKey, cursor) {
      if (
        cursor.length === 0 ||
        cursor.length > MAX_CURSOR_LENGTH ||
        !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)
      ) {
        throw new CursorError('cursor is malformed: use the next link of a feed page as it is');
      }
      const [body = '', tag = ''] = cursor.split('.');
      const payload = Buffer.from(body, 'base64url').toString('utf8');
      const given = Buffer.from(tag, 'base64url');
      const expected = mac(feedKey, payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new CursorError('cursor does not belong to this feed: start again from its first page');
      }
      const dot = payload.indexOf('.');
      if (payload.slice(0, dot) !== VERSION) {
        throw new CursorError(
          'cursor is from an older version of this feed: start again from its first page',
        );
      }
      const position = payload.slice(dot + 1);
      if (!position.includes('#')) throw new CursorError('cursor is malformed: use the next link as it is');
      return position;
    },
  };
}
