/** Small factories for article files: each call builds a fresh one. */

export interface ArticleFields {
  title?: string;
  webUrl?: string;
  publishedDateTime?: string;
  topics?: string[];
  published?: boolean;
  excerpt?: string;
  body?: string;
  extra?: string;
  /** The provider (default Example News, example.com); null: none. */
  provider?: { name?: string; domain?: string } | null;
}

/** An article file's text, shaped like the seeds, with YAML-quoted values. */
export function articleFile(fields: ArticleFields = {}): string {
  const f = {
    title: 'A title',
    webUrl: 'https://news.example.com/2021/03/a-title',
    publishedDateTime: '2021-03-14T01:27:54Z',
    topics: ['Election'],
    provider: { name: 'Example News', domain: 'example.com' },
    ...fields,
  };
  const lines = [
    '---',
    'category: news',
    `title: ${JSON.stringify(f.title)}`,
    f.excerpt === undefined ? '' : `excerpt: ${JSON.stringify(f.excerpt)}`,
    `publishedDateTime: ${f.publishedDateTime}`,
    `webUrl: ${JSON.stringify(f.webUrl)}`,
    'type: article',
    f.published === undefined ? '' : `published: ${f.published}`,
    ...(f.provider
      ? [
          'provider:',
          f.provider.name === undefined ? '' : `  name: ${JSON.stringify(f.provider.name)}`,
          f.provider.domain === undefined ? '' : `  domain: ${JSON.stringify(f.provider.domain)}`,
        ]
      : []),
    'topics:',
    ...f.topics.map((t) => `  - ${JSON.stringify(t)}`),
    f.extra ?? '',
    '---',
    f.body ?? '',
  ];
  return lines.filter((l) => l !== '').join('\n');
}
