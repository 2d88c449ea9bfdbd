/**
 * Checks of what the feeds serve, written to fail loudly on injected markup: well-formed XML with only the
 * five predefined entities and no characters XML cannot carry, JSON that parses, and HTML whose every tag,
 * attribute and URL is on an allow-list. Each returns a list of problems (empty when all is well).
 *
 * The HTML check relies on how our pages are written: every piece of text is escaped, so each `<` in the
 * output starts a tag we wrote. A `<` followed by a letter that is not a well-formed tag is a problem too.
 */
import { decodeHTMLAttribute } from 'entities';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const XML_ILLEGAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

export interface XmlTag {
  name: string;
  /** Attribute values as written (references not decoded). */
  attributes: Record<string, string>;
}

const XML_TAG = /^<([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/;
const XML_ATTR = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Splits XML into start tags and character data (outside CDATA sections, comments and declarations). */
export function scanXml(xml: string): { tags: XmlTag[]; texts: string[] } {
  const tags: XmlTag[] = [];
  const texts: string[] = [];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    texts.push(xml.slice(i, lt === -1 ? xml.length : lt));
    if (lt === -1) break;
    const rest = xml.slice(lt, lt + 65_536);
    const skip = (end: string) => {
      const e = xml.indexOf(end, lt);
      return e === -1 ? xml.length : e + end.length;
    };
    if (rest.startsWith('<![CDATA[')) i = skip(']]>');
    else if (rest.startsWith('<!--')) i = skip('-->');
    else if (rest.startsWith('<?') || rest.startsWith('<!')) i = skip('>');
    else if (rest.startsWith('</')) i = skip('>');
    else {
      const m = XML_TAG.exec(rest);
      if (!m) {
        i = lt + 1;
        continue;
      }
      const attributes: Record<string, string> = {};
      for (const a of (m[2] ?? '').matchAll(XML_ATTR)) attributes[a[1] ?? ''] = a[2] ?? a[3] ?? '';
      tags.push({ name: m[1] ?? '', attributes });
      i = lt + m[0].length;
    }
  }
  return { tags, texts };
}

/** Problems of an XML document: not well-formed, an undeclared entity, an illegal character or reference. */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const valid = XMLValidator.validate(xml);
  if (valid !== true) problems.push(`not well-formed: ${valid.err.msg} (line ${valid.err.line})`);
  const illegal = XML_ILLEGAL.exec(xml);
  if (illegal) {
    const cp = illegal[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    problems.push(`character U+${cp} is not allowed in XML (offset ${illegal.index})`);
  }
  const { tags, texts } = scanXml(xml);
  const references = (s: string, where: string) => {
    for (const m of s.matchAll(/&([^;\s<&"']{0,40});?/g)) {
      const [whole, name = ''] = m;
      if (!whole.endsWith(';')) problems.push(`a bare "&" in ${where}: "${whole.slice(0, 20)}"`);
      else if (name.startsWith('#')) {
        const cp = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
        if (!(cp >= 0 && cp <= 0x10ffff) || XML_ILLEGAL.test(String.fromCodePoint(cp)))
          problems.push(`character reference ${whole} in ${where} names a character XML forbids`);
      } else if (!PREDEFINED.has(name)) problems.push(`undeclared entity ${whole} in ${where}`);
    }
  };
  for (const t of texts) {
    references(t, 'text');
    // Character data must not contain "]]>" (it would end a CDATA section early in a copy of it).
    if (t.includes(']]>')) problems.push(`"]]>" in character data: ${t.slice(0, 60)}`);
  }
  for (const tag of tags) {
    for (const [name, value] of Object.entries(tag.attributes)) {
      references(value, `<${tag.name} ${name}>`);
      if (value.includes('<')) problems.push(`"<" in attribute ${name} of <${tag.name}>`);
    }
  }
  return problems;
}

/** Parses XML into objects (attributes under `@_`), for structural checks. */
export function parseXml(xml: string): Record<string, unknown> {
  return new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: false }).parse(xml);
}

const words = (s: string) => new Set(s.split(' '));
/** Tags of our two HTML pages. */
const PAGE_TAGS = words(
  'html head meta title link style body header main h1 h2 p ul li a span article div img time nav',
);
/** Tags markdown (with raw HTML off) produces, as feeds carry it in content. */
const CONTENT_TAGS = words(
  'p br hr em strong s code pre blockquote ul ol li h1 h2 h3 h4 h5 h6 a img table thead tbody tr th td',
);
const ATTRIBUTES = words(
  'lang charset name content rel type title href src alt class id datetime loading referrerpolicy width height start',
);
// markdown-it aligns table cells with an inline style; nothing else may carry one.
const ALIGN_STYLE = /^text-align:(left|right|center)$/;
const URL_ATTRIBUTES = new Set(['href', 'src']);
// Everything we write links absolutely (feed readers have no base URL; pages use the public base).
const SAFE_URL = /^(https?:\/\/[^/]|mailto:)/i;
const RAW_TEXT = new Set(['style', 'title']);

/** Decodes character references as a browser does in an attribute value (before a scheme check). */
export const decodeEntities = decodeHTMLAttribute;

const TAG =
  /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

export interface HtmlOptions {
  tags: ReadonlySet<string>;
  /** Schemes allowed for a URL attribute besides http(s) and mailto, by tag (e.g. `link: data:` for an icon). */
  extraSchemes?: Record<string, RegExp>;
  /** Style elements allowed (our pages have one). */
  maxStyles?: number;
}

/**
 * Problems of an HTML document or fragment: a tag or attribute off the allow-list, an event handler, a URL
 * attribute that is not an absolute http(s)/mailto URL (after decoding references and dropping the control and
 * space characters browsers ignore), a refresh or base element, a comment, or a `<` that is not a tag.
 */
export function htmlProblems(html: string, options: HtmlOptions): string[] {
  const problems: string[] = [];
  let styles = 0;
  let i = html.search(/<!doctype html>/i) === 0 ? '<!doctype html>'.length : 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    const rest = html.slice(lt, lt + 4096);
    if (rest.startsWith('<!--')) {
      problems.push(`a comment at ${lt}: ${rest.slice(0, 40)}`);
      i = lt + 4;
      continue;
    }
    const m = TAG.exec(rest);
    if (!m) {
      if (/^<[a-zA-Z/!?]/.test(rest)) problems.push(`an unparseable tag at ${lt}: ${rest.slice(0, 60)}`);
      else problems.push(`a raw "<" in text at ${lt}: ${rest.slice(0, 40)}`);
      i = lt + 1;
      continue;
    }
    const [whole, closing, rawName = '', attrs = ''] = m;
    const name = rawName.toLowerCase();
    i = lt + whole.length;
    if (!options.tags.has(name)) problems.push(`tag <${name}> is not allowed: ${whole.slice(0, 80)}`);
    if (closing) continue;
    for (const a of attrs.matchAll(ATTR)) {
      const attr = (a[1] ?? '').toLowerCase();
      const value = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
      if (attr.startsWith('on')) problems.push(`event handler ${attr} on <${name}>`);
      else if (attr === 'style') {
        if (!ALIGN_STYLE.test(value)) problems.push(`inline style "${value.slice(0, 40)}" on <${name}>`);
      } else if (!ATTRIBUTES.has(attr)) problems.push(`attribute ${attr} on <${name}> is not allowed`);
      if (URL_ATTRIBUTES.has(attr)) {
        // Browsers strip leading spaces/controls and ignore tabs and newlines inside a scheme.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers drop these characters.
        const url = value.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '');
        const extra = options.extraSchemes?.[name];
        // An empty value links nowhere (the renderer empties references it cannot make safe).
        if (url !== '' && !SAFE_URL.test(url) && !(extra?.test(url) ?? false)) {
          problems.push(
            `${attr}="${url.slice(0, 60)}" on <${name}> is not an absolute http(s) or mailto URL`,
          );
        }
      }
      if (name === 'meta' && attr === 'http-equiv') problems.push('a meta http-equiv element');
    }
    if (name === 'base') problems.push('a base element');
    if (RAW_TEXT.has(name)) {
      const end = html.toLowerCase().indexOf(`</${name}>`, i);
      if (end === -1) problems.push(`<${name}> is never closed`);
      const inner = html.slice(i, end === -1 ? html.length : end);
      if (name === 'style') {
        styles++;
        if (/@import|url\(|expression\(|<\//i.test(inner)) problems.push('the style sheet imports or embeds');
      }
      if (name === 'title' && inner.includes('<')) problems.push('markup inside <title>');
      i = end === -1 ? html.length : end;
    }
  }
  if (styles > (options.maxStyles ?? 0)) problems.push(`${styles} style elements`);
  if (/<script/i.test(html)) problems.push('a <script> element');
  return problems;
}

/** Options for our pages: their tags, one style sheet, a `data:` icon. */
export const PAGE_HTML: HtmlOptions = { tags: PAGE_TAGS, maxStyles: 1, extraSchemes: { link: /^data:,$/ } };
export const CONTENT_HTML: HtmlOptions = { tags: CONTENT_TAGS };
