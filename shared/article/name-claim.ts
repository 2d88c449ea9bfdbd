/**
 * Which spelling names a feed (a topic, a provider): the one given first, whatever order events arrive in.
 * The rule lives here only; the stores offer the primitives it needs (keep the first claim written, replace
 * the kept claim only if it is still the one compared with), and the ingest core applies it (feed-names.ts).
 */

/** A claim of a feed's display name: a spelling and when it was given (S3 LastModified of the upload). */
export interface NameClaim {
  name: string;
  givenAt: string;
}

/** A claim that never wins over a real one: the name of a feed created by a change that gives none. */
export const NO_NAME_CLAIM = '9999-12-31T23:59:59.999Z';

/**
 * Whether spelling `a`, given at `aAt`, is given before `b`, given at `bAt`. S3's LastModified has one-second
 * resolution, so uploads in the same second tie; which came first is then unknowable (sequencers compare only
 * within one key), and the tie goes to the smaller spelling in code-point order: deterministic whatever order
 * events arrive in, and it prefers the capitalized spelling ("Ukraine" before "ukraine", "Ελλάδα" before
 * "ελλάδα"), the better display name. Compared as UTF-8 bytes (JavaScript's `<` compares UTF-16 units, which
 * order characters beyond U+FFFF differently); never in a store's condition, whose string order may differ
 * (dynalite compares UTF-16 units, DynamoDB UTF-8 bytes).
 */
export const givenBefore = (aAt: string, a: string, bAt: string, b: string): boolean =>
  aAt < bAt || (aAt === bAt && Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0);

/** Whether claim `a` is given before claim `b`. */
export const claimedBefore = (a: NameClaim, b: NameClaim): boolean =>
  givenBefore(a.givenAt, a.name, b.givenAt, b.name);
