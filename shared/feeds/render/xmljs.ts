/**
 * How values must be prepared for the `feed` package, which writes XML through xml-js (faults of `feed` 6.0.0
 * with xml-js 1.6.11, below). Every string handed to `feed` goes through one of these, chosen by where
 * xml-js puts it:
 *
 * - element text: xml-js turns `&amp;` back into `&` before escaping, so a literal "&amp;" would lose its
 *   "amp;"; pre-escaping every `&` makes that round trip exact.
 * - attributes that `feed` passes through its own `sanitize` (Atom category term/label): it escapes `&`
 *   only (so an entity of ours would be escaped twice), xml-js escapes `"` only: a `<` would be written raw.
 *   It travels as a marker, replaced by `&lt;` after rendering.
 * - attributes of our extension elements: written raw apart from `"`: fully escaped by us.
 * - CDATA: xml-js splits only the first `]]>`. HTML never reaches it with one (`cdataSafeHtml`); plain-text
 *   titles carry a marker instead, replaced by a proper split after rendering.
 */
import { escapeAttr } from './escape.js';

export const xmlText = (s: string): string => s.replace(/&/g, '&amp;');

/** U+0004 cannot come from input either: it stands for `<` inside attributes. */
const LT_MARKER = '\u0004';

export const sanitizedAttr = (s: string): string => s.replaceAll('<', LT_MARKER);

/** After rendering: markers of `<` in attributes become `&lt;`. */
export const restoreLt = (xml: string): string => xml.replaceAll(LT_MARKER, '&lt;');

export const rawAttr = escapeAttr;

/** U+0001 cannot come from input (XML forbids it; all text is stripped of it), so it is a safe marker. */
const CDATA_END_MARKER = '\u0001';

/** A plain-text title for a CDATA section: every `]]>` becomes a marker. */
export const cdataText = (s: string): string => s.replaceAll(']]>', CDATA_END_MARKER);

/** After rendering: each marker becomes `]]>` split across two CDATA sections. */
export const restoreCdataEnds = (xml: string): string => xml.replaceAll(CDATA_END_MARKER, ']]]]><![CDATA[>');

/** Markers for elements `feed` cannot write: a text value no input can contain, replaced after rendering. */
export const MARKER = '\u0002';

/** `<name attr="…"/>` with every attribute value escaped; undefined attributes are left out. */
export function element(name: string, attrs: Record<string, string | number | undefined>): string {
  const parts = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`);
  return `<${name}${parts.join('')}/>`;
}
