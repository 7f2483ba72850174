/**
 * The pages' scripts and styles (reports/page/, uPlot included), bundled by esbuild into dist/reports/page/ at
 * build time (`node dist/reports/bundle.js`, part of `npm run build`), then inlined into every page written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type PageName = 'report' | 'store';
const PAGES: PageName[] = ['report', 'store'];

/** The repository root, whether this module runs from dist/ or (under vitest) from the sources. */
function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..');
  return path.basename(up) === 'dist' ? path.resolve(up, '..') : up;
}

export function assetsDir(): string {
  return path.join(repoRoot(), 'dist', 'reports', 'page');
}

export async function buildPages(outdir = assetsDir()): Promise<void> {
  // esbuild is a build-time tool: loaded only when the bundle is (re)built.
  const esbuild = await import('esbuild');
  const root = repoRoot();
  await esbuild.build({
    entryPoints: Object.fromEntries(PAGES.map((p) => [p, path.join(root, 'reports', 'page', `${p}.ts`)])),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    outdir,
    logLevel: 'warning',
  });
}

export interface PageAssets {
  js: string;
  css: string;
}

const cache = new Map<PageName, PageAssets>();

/** The bundled script and style of a page; bundles them first if the build has not. */
export async function pageAssets(page: PageName): Promise<PageAssets> {
  const hit = cache.get(page);
  if (hit) return hit;
  const dir = assetsDir();
  const js = path.join(dir, `${page}.js`);
  if (!fs.existsSync(js)) await buildPages(dir);
  const css = path.join(dir, `${page}.css`);
  const assets = {
    js: fs.readFileSync(js, 'utf8'),
    css: fs.existsSync(css) ? fs.readFileSync(css, 'utf8') : '',
  };
  cache.set(page, assets);
  return assets;
}

const invoked = process.argv[1] ? fs.realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  await buildPages();
  for (const p of PAGES) {
    const size = fs.statSync(path.join(assetsDir(), `${p}.js`)).size;
    console.log(`reports: bundled ${p}.js (${(size / 1024).toFixed(0)} KiB)`);
  }
}
