/**
 * Markdown bodies to HTML, safe by construction: raw HTML in the markdown is shown as text, never passed
 * through, and links or images may only use http(s) or mailto (markdown-it's link validation refuses
 * javascript:, vbscript:, file: and data: other than images; we narrow that further).
 */
import MarkdownIt from 'markdown-it';

const SAFE_LINK = /^(https?:|mailto:|#|\/|\.{0,2}\/|[^:]*$)/i;

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

export function renderMarkdown(source: string): string {
  return md.render(source).trim();
}
