/**
 * Injection payloads for every field an article file can carry. Each one, if it ever ran in a page, would
 * leave a trace a browser check can see: a dialog, `window.__pwned` set, or a request for a path containing
 * `__pwned`. Nothing here is specific to our renderer: these are the classic shapes (script elements, event
 * handlers, javascript: URLs, CDATA and title breakouts, mutation-XSS, template injection).
 */

/** The marker every payload sets or requests, so a browser can tell that one of them ran. */
export const PWNED = '__pwned';

export const SCRIPT_PAYLOADS: readonly string[] = [
  `<script>window.${PWNED}='script';alert('script')</script>`,
  `"><img src=x onerror="window.${PWNED}='img';alert('img')">`,
  `'><svg onload=alert('svg')>`,
  `</title><script>alert('title')</script>`,
  `]]><script>alert('cdata')</script><![CDATA[`,
  `<iframe src="javascript:alert('iframe')"></iframe>`,
  `<a href="javascript:alert('href')">click</a>`,
  `<style>@import '/${PWNED}.css';</style>`,
  `<meta http-equiv="refresh" content="0;url=javascript:alert('meta')">`,
  `<base href="/${PWNED}/">`,
  `<img src=/${PWNED}.png>`,
  `<details open ontoggle="alert('toggle')">`,
  `<body onload=alert('body')>`,
  `<object data="data:text/html,<script>alert('object')</script>"></object>`,
  `<math><mi xlink:href="javascript:alert('math')">x</mi></math>`,
  `<noscript><p title="</noscript><img src=x onerror=alert('mxss')>">`,
  `{{constructor.constructor('alert("template")')()}}`,
  `&lt;script&gt;alert('entity')&lt;/script&gt;`,
  `<scr<script>ipt>alert('nested')</scr</script>ipt>`,
  `<a href="jav&#x09;ascript:alert('tab')">tab</a>`,
  `<!--<img src="--><img src=x onerror=alert('comment')//">`,
  `\u003cscript\u003ealert('escaped')\u003c/script\u003e`,
  `<x onmouseover=alert('hover') style="position:fixed;inset:0">`,
];

/** Links that must never become clickable script (they are refused as article links). */
export const SCRIPT_URLS: readonly string[] = [
  "javascript:alert('url')",
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'vbscript:msgbox(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'file:///etc/passwd',
];

/** Absolute http(s) links that are valid but carry markup in their path, query and fragment. */
export const HOSTILE_HTTP_URLS: readonly string[] = [
  `https://evil.example/<script>alert('path')</script>`,
  `https://evil.example/a?q="><svg onload=alert('query')>`,
  `https://evil.example/a#"><img src=x onerror=alert('fragment')>`,
  `http://evil.example/'onmouseover='alert(1)'`,
  `https://evil.example/${PWNED}?x=]]>&y=<&z="`,
];

/** A markdown body that tries every way markdown offers to smuggle markup or script links. */
export const HOSTILE_MARKDOWN = [
  '# <script>alert("heading")</script>',
  '<script>window.__pwned="raw"</script>',
  '<img src=x onerror=alert("raw-img")>',
  `[js](javascript:alert('md'))  [mixed](JaVaScRiPt:alert(1))  [tab](jav&#x09;ascript:alert(1))`,
  `[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)  [vb](vbscript:msgbox(1))`,
  `![img](x" onerror="alert('md-img'))  ![svg](data:image/svg+xml,<svg onload=alert(1)>)`,
  '<javascript:alert("autolink")>  <https://ok.example/"onmouseover="alert(1)>',
  '[ref][1] and [relative](/../../__pwned) and [proto](//evil.example/x)',
  "[1]: javascript:alert('ref')",
  '```html\n<script>alert("fenced")</script>\n```',
  '> <iframe src="javascript:alert(1)"></iframe>',
  '| a | <b onclick=alert(1)>b</b> |\n|---|---|\n| ]]> | <svg/onload=alert(1)> |',
].join('\n\n');
