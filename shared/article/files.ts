/** Which bucket keys are article files. The S3 notification filters (infra) and ingest both use this list. */
export const ARTICLE_SUFFIXES = ['.md', '.markdown', '.txt'] as const;

/**
 * The suffixes S3 notifies ingest of. S3 suffix filters are case-sensitive while ingest accepts any case
 * (`isArticleKey`): each suffix is subscribed in lower and upper case (`.md`, `.MD`); a mixed-case name (`.Md`)
 * gets no event, and the scheduled reconcile (or `npm run reindex`) picks it up. The local stack notifies by the
 * same list, so it shows the same gap. No suffix may end another (S3 refuses overlapping filters).
 */
export function notificationSuffixes(suffixes: readonly string[] = ARTICLE_SUFFIXES): string[] {
  const all = [...new Set(suffixes.flatMap((s) => [s.toLowerCase(), s.toUpperCase()]))];
  for (const a of all) {
    for (const b of all) {
      if (a !== b && a.endsWith(b))
        throw new Error(`article suffixes "${a}" and "${b}" overlap as S3 filters`);
    }
  }
  return all;
}

const NOTIFIED = notificationSuffixes();

/** Whether S3 sends an event for this key to ingest (an article key whose suffix the filters name exactly). */
export const isNotifiedKey = (key: string): boolean => NOTIFIED.some((suffix) => key.endsWith(suffix));

export const isArticleKey = (key: string): boolean => {
  const lower = key.toLowerCase();
  return ARTICLE_SUFFIXES.some((suffix) => lower.endsWith(suffix));
};
