/**
 * A self-contained page: style, data and script inline, so it opens from file:// with no network. The data
 * is JSON in a non-executed script element with every `<` escaped, and a Content-Security-Policy lets only
 * the page's own script (by hash) run: whatever a history holds, it stays data.
 */
import { createHash } from 'node:crypto';
import type { PageAssets } from './bundle.js';

/** JSON safe inside `<script type="application/json">`: no `<` can close the element or open a comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderPage(opts: {
  title: string;
  dataId: string;
  data: unknown;
  assets: PageAssets;
}): string {
  const { js, css } = opts.assets;
  if (/<\/script/i.test(js) || /<\/style/i.test(css))
    throw new Error('page bundle would close its own element');
  const hash = createHash('sha256').update(js).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<noscript>This report needs JavaScript to draw its charts and tables.</noscript>',
    `<script type="application/json" id="${opts.dataId}">${jsonForScript(opts.data)}</script>`,
    `<script>${js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
