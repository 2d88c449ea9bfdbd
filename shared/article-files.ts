/** Which bucket keys are article files. The S3 notification filters (infra) and ingest both use this list. */
export const ARTICLE_SUFFIXES = ['.md', '.markdown', '.txt'] as const;

export const isArticleKey = (key: string): boolean => {
  const lower = key.toLowerCase();
  return ARTICLE_SUFFIXES.some((suffix) => lower.endsWith(suffix));
};
