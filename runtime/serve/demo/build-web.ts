/**
 * `npm run build:web`: bundles the browser client and the demo page with esbuild into
 * dist/web (runtime/serve/demo-assets.ts serves them):
 *
 *   tfe-client.js  runtime/serve/client/browser.ts and everything it imports (hpke, zod,
 *                  canonicalize, the envelopes and wire schemas), one ES module;
 *   demo.js        runtime/serve/demo/demo.ts, importing `./tfe-client.js` at run time
 *                  (external) so the page loads the client code once;
 *   index.html     copied from runtime/serve/demo/index.html.
 *
 * Both are minified ES2022-level modules for current browsers (the client needs WebCrypto
 * X25519: Chrome 133+, Firefox 130+, Safari 17+).
 *
 * zod's error-message translations: zod re-exports all of its ~60 locales as a namespace
 * (`z.locales`, `z.core.locales`), which esbuild cannot tree-shake, so they would be ~300 kB
 * of the ~470 kB client. The plugin below resolves zod's `../locales/index.js` to a module
 * exporting only `en` (the locale zod configures by default, imported by zod directly
 * from locales/en.js). If zod moves those files the plugin matches nothing and the bundle
 * only grows; test/serve/browser-hpke.test.ts bounds its size.
 *
 * Run with tsx (`npm run build:web`); paths are resolved from the package root.
 */
import { build, type Plugin } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../package-root.js';

const root = packageRoot();
if (root === undefined) throw new Error('build-web: cannot find the tfe package root');
const here = join(root, 'runtime', 'serve', 'demo');
const out = join(root, 'dist', 'web');

/** Resolves zod's all-locales index to a module with only the English locale. */
const zodEnglishOnly: Plugin = {
  name: 'tfe-zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? { path: join(args.resolveDir, '..', 'locales', 'en.js'), namespace: 'tfe-zod-en' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'tfe-zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: { 'tfe-client': join(root, 'runtime/serve/client/browser.ts'), demo: join(here, 'demo.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120', 'firefox121', 'safari17'],
  minify: true,
  external: ['./tfe-client.js'],
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
});
mkdirSync(out, { recursive: true });
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
