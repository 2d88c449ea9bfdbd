/**
 * Word lists for the corpus generator (tools/lib/corpus.ts). Plain data: news-like vocabulary, topic names and
 * providers, with a sprinkling of diacritics, other scripts and characters that need escaping.
 */

/** Providers, most popular first (their popularity is Zipf-like by this order). */
export const PROVIDERS: readonly { name: string; domain: string; http?: boolean }[] = [
  { name: 'Reuters', domain: 'reuters.com' },
  { name: 'CNN', domain: 'cnn.com', http: true },
  { name: 'The Guardian', domain: 'theguardian.com' },
  { name: 'Associated Press', domain: 'apnews.com' },
  { name: 'BBC News', domain: 'bbc.co.uk' },
  { name: 'USA Today', domain: 'usatoday.com' },
  { name: 'Business Insider', domain: 'businessinsider.com' },
  { name: 'NPR', domain: 'npr.org' },
  { name: 'Le Monde', domain: 'lemonde.fr' },
  { name: 'Süddeutsche Zeitung', domain: 'sueddeutsche.de' },
  { name: 'NHK ニュース', domain: 'nhk.or.jp' },
  { name: 'Al Jazeera', domain: 'aljazeera.com' },
];

/** Hand-picked topic names; the generator adds two-word names after these until it has enough. */
export const NAMED_TOPICS: readonly string[] = (
  'Election|Joe Biden|Democratic Voice|North Korea|COVID-19|Climate Change|Supreme Court|Économie|' +
  'Vaccines|Congress|China|Immigration|Stock Market|Artificial Intelligence|Brexit|Health Care|Energy|' +
  'Ukraine|Middle East|Technology|Space|Football|Olympics|Wildfires|Inflation|Housing|Education|' +
  'Gun Control|北朝鮮|Santé publique|Agriculture|Privacy|Cybersecurity|Trade|Oil & Gas|Human Rights|' +
  'Elections 2020|Kamala Harris|Senate|Labor|Transportation|Science|Music|Film|Fashion|Travel|Food|' +
  'Real Estate|Banking|Crypto|Europe|Africa|Latin America|India|Japan|Россия|Ελλάδα|São Paulo|Zürich|' +
  'Native Affairs'
).split('|');

export const TOPIC_FIRST: readonly string[] = (
  'Global|Local|Federal|Urban|Rural|Digital|Public|Foreign|Coastal|Northern|Southern|Renewable|Youth|' +
  'Small|Open|Green|Regional|Mobile|Municipal|Civic'
).split('|');

export const TOPIC_SECOND: readonly string[] = (
  'Politics|Policy|Markets|Transit|Schools|Water|Sports|Courts|Elections|Health|Media|Housing|Startups|' +
  'Security|Budgets|Farming|Research|Arts|Weather|Jobs'
).split('|');

export const WORDS: readonly string[] = (
  'administration official says report country plan vote senate house court ruling government minister ' +
  'economy market prices growth jobs workers union strike deal talks leaders summit border security police ' +
  'investigation charges trial judge law bill tax budget spending debt bank rates inflation energy oil gas ' +
  'climate storm flood fire heat drought water city state region village residents families children schools ' +
  'teachers students university study research scientists vaccine doses hospital patients doctors health ' +
  'pandemic cases variant testing lockdown travel airline airport flights trains roads bridge project company ' +
  'shares investors profit losses startup technology software data privacy hackers attack network platform ' +
  'users social media campaign candidate voters polls ballot results count turnout protest rally crowd ' +
  'statement spokesperson interview announcement decision agreement sanctions embassy diplomats envoy ' +
  'outreach channels missile tests nuclear weapons military troops defense allies partners neighbours ' +
  'challenge response criticism support opposition majority minority reform proposal review commission ' +
  'council mayor governor president premier chancellor cabinet parliament committee hearing testimony ' +
  'evidence witness record history season team coach players match final league title fans stadium ' +
  'concert album film festival museum artists exhibition library book author award prize winner'
).split(' ');

export const SECTIONS: readonly string[] =
  'politics|world|business|health|science|tech|sport|culture|us-news|europe'.split('|');

/** Occasional phrases that need escaping or carry non-ASCII text, mixed into titles and excerpts. */
export const SPICE: readonly string[] = (
  'S&P 500|"our biggest enemy"|the White House\'s plan|AT&T|café owners|naïve forecasts|Zürich’s council|' +
  '“gangster-like logic”|5 < 6 votes|Québec|São Paulo|—|Ñandú|el niño'
).split('|');
