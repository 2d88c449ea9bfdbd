/**
 * The query parameters that tailor a feed: RSSHub's filter parameters (same names, same defaults) and
 * `minQuality`. Parsed once per request into a Tailoring; a known parameter with a bad value is refused with a
 * reason a person can act on (ParamError, answered 400); unknown parameters are ignored, as CloudFront drops them.
 */
import * as z from 'zod/mini';

/** The text filters, in the order they appear in canonical query strings. */
export const FILTER_PARAMETERS = [
  'filter',
  'filter_title',
  'filter_description',
  'filter_author',
  'filter_category',
  'filterout',
  'filterout_title',
  'filterout_description',
  'filterout_author',
  'filterout_category',
] as const;

export type FilterParameter = (typeof FILTER_PARAMETERS)[number];

/** Every parameter this module reads (the CloudFront cache key must hold each of them). */
export const TAILORING_PARAMETERS = [...FILTER_PARAMETERS, 'filter_case_sensitive', 'minQuality'] as const;

/** The longest value of one filter parameter, in characters (code points). */
export const MAX_FILTER_CHARS = 200;
/** The most `|`-separated alternatives one filter parameter holds. */
export const MAX_ALTERNATIVES = 20;

export class ParamError extends Error {
  override readonly name = 'ParamError';
}

export interface Tailoring {
  /** Each given filter as its non-empty alternatives, as given (the matcher folds case when asked). */
  filters: Partial<Record<FilterParameter, string[]>>;
  /** RSSHub's default: true. */
  caseSensitive: boolean;
  minQuality?: number;
  /** The tailoring as a canonical query string (without `?`), '' when none: cache key and links carry it. */
  key: string;
}

export const NO_TAILORING: Tailoring = { filters: {}, caseSensitive: true, key: '' };

type Query = URLSearchParams | Record<string, string | undefined> | undefined;

const shown = (v: string) => JSON.stringify([...v].slice(0, 40).join('') + ([...v].length > 40 ? '…' : ''));

/** A refusal of `value` with `message`, in a transform. */
const refuse = (ctx: { issues: unknown[] }, value: string, message: string) => {
  ctx.issues.push({ code: 'custom', input: value, message });
  return z.NEVER;
};

const alternatives = (name: string) =>
  z.pipe(
    z.string(),
    z.transform((value, ctx) => {
      const chars = [...value].length;
      if (chars > MAX_FILTER_CHARS)
        return refuse(ctx, value, `${name} is longer than ${MAX_FILTER_CHARS} characters (${chars})`);
      // A stray or doubled `|` adds an empty alternative, which would match every article: it is dropped.
      const parts = value.split('|').filter((p) => p !== '');
      if (parts.length === 0) return refuse(ctx, value, `${name} has no text between its | separators`);
      if (parts.length > MAX_ALTERNATIVES)
        return refuse(
          ctx,
          value,
          `${name} has ${parts.length} alternatives; at most ${MAX_ALTERNATIVES} are allowed`,
        );
      return parts;
    }),
  );

const caseSensitive = z.enum(['true', 'false'], {
  error: (i) => `filter_case_sensitive must be true or false, got ${shown(String(i.input))}`,
});

const minQuality = z.pipe(
  z.string().check(
    z.regex(/^-?\d{1,9}(\.\d{1,6})?$/, {
      error: (i) => `minQuality must be a number, got ${shown(String(i.input))}`,
    }),
  ),
  z.transform(Number),
);

/** The values of `name`: none, one, or (refused by the caller) several. */
function values(query: Query, name: string): string[] {
  if (query instanceof URLSearchParams) return query.getAll(name);
  const v = query?.[name];
  return v === undefined ? [] : [v];
}

/**
 * The tailoring a query asks for. An empty value counts as absent (as in RSSHub); a parameter given twice is
 * refused (its alternatives belong in one value, separated by `|`).
 */
export function parseTailoring(query: Query): Tailoring {
  // Most feed requests carry no query at all: nothing to look up.
  if (query === undefined || (query instanceof URLSearchParams && query.size === 0)) return NO_TAILORING;
  const raw = new Map<string, string>();
  for (const name of TAILORING_PARAMETERS) {
    const given = values(query, name);
    if (given.length > 1) {
      throw new ParamError(
        `${name} is given ${given.length} times; give it once${name.startsWith('filter') && name !== 'filter_case_sensitive' ? ', with alternatives separated by |' : ''}`,
      );
    }
    const [v] = given;
    if (v !== undefined && v !== '') raw.set(name, v);
  }
  if (raw.size === 0) return NO_TAILORING;

  const filters: Tailoring['filters'] = {};
  const parts: string[] = [];
  for (const name of FILTER_PARAMETERS) {
    const v = raw.get(name);
    if (v === undefined) continue;
    filters[name] = check(alternatives(name), v);
    parts.push(`${name}=${encodeURIComponent(v)}`);
  }
  const cs = raw.get('filter_case_sensitive');
  const sensitive = cs === undefined ? true : check(caseSensitive, cs) === 'true';
  // Without a text filter it changes nothing: left out of the key, so that it makes no second cache entry.
  if (!sensitive && parts.length > 0) parts.push('filter_case_sensitive=false');
  const mq = raw.get('minQuality');
  const floor = mq === undefined ? undefined : check(minQuality, mq);
  if (floor !== undefined) parts.push(`minQuality=${floor}`);
  return { filters, caseSensitive: sensitive, minQuality: floor, key: parts.join('&') };
}

function check<T>(schema: z.ZodMiniType<T, string>, value: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ParamError(r.error.issues[0]?.message ?? 'bad parameter');
  return r.data;
}

/** Whether the tailoring leaves articles out (filters or a quality floor). */
export const isTailored = (t: Tailoring): boolean => t.key !== '';
