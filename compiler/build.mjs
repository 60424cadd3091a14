// Bundles the CLI into dist/ with esbuild. Type checking is `npm run typecheck`.
//
// Startup is most of a `validate`: on Node 20 a cold start spends as long compiling the bundle's JavaScript
// as running it. So the CLI is one CommonJS file, dist/main.cjs, which bin/platformc.js runs through a V8
// code cache (bin/code-cache.js); the ES module loader has no code cache on Node 20. Command modules are
// still evaluated only when their command runs (esbuild keeps each dynamic import a lazy initialiser), so
// `validate` runs no Terraform template; V8 compiles a function only when it is first called, and the code
// cache holds the functions a command called. The two large libraries only the ops commands use are bundles
// of their own under dist/vendor/, required when `apply`, `destroy`, `status` or `loadtest` need them, so the
// other commands never read them (and through the code cache too: code-cache.js).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

// A clean dist/: a stale file would otherwise be packed and published.
rmSync('dist', { recursive: true, force: true });

/** Libraries bundled apart: import specifier -> file under dist/vendor/. */
const vendor = { '@kubernetes/client-node': 'kubernetes-client.cjs', execa: 'execa.cjs' };

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  // The published package has no runtime dependencies, so a platform repository installs it from one
  // tarball, offline or from a mirror. Optional native add-ons of ws stay optional.
  external: ['bufferutil', 'utf-8-validate'],
  // import.meta does not exist in CommonJS; the catalog finds the package root from its module's URL.
  define: { 'import.meta.url': '__platformcModuleUrl' },
  banner: { js: "const __platformcModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

/**
 * The Terraform templates, precompiled here rather than on every compile: the template compiler parses each
 * template and generates its JavaScript at run time (code that the code cache cannot hold), and the bundle
 * then carries only Handlebars' runtime. Handlebars renders a precompiled template exactly as a compiled one.
 */
async function precompiledTemplates() {
  const templates = resolve('compiler/emit/terraform/templates.ts');
  const scratch = mkdtempSync(join(tmpdir(), 'platformc-build-'));
  try {
    // Only the module's top level runs: it registers helpers, which a stand-in accepts.
    await build({
      ...common,
      banner: undefined,
      define: undefined,
      entryPoints: [templates],
      outfile: join(scratch, 'templates.cjs'),
      plugins: [{ name: 'stand-in', setup: (b) => b.onResolve({ filter: /^handlebars$/ }, () => ({ path: 'handlebars', namespace: 'stand-in' })) || b.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({ contents: 'module.exports = { create: () => ({ registerHelper() {} }) };', loader: 'js' })) }],
    });
    const { sources, COMPILE_OPTIONS } = createRequire(import.meta.url)(join(scratch, 'templates.cjs'));
    // precompile() adds its defaults to the options it is given: a copy each, so that the keys stay the options compile() gets.
    const entries = Object.values(sources).map((source) => `[${JSON.stringify(JSON.stringify([source, COMPILE_OPTIONS]))}, ${Handlebars.precompile(source, { ...COMPILE_OPTIONS })}]`);
    return {
      name: 'precompiled-templates',
      setup(b) {
        b.onResolve({ filter: /^handlebars$/ }, (args) => (args.importer === templates ? { path: 'handlebars', namespace: 'precompiled-templates' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'precompiled-templates' }, () => ({
          resolveDir: process.cwd(),
          loader: 'js',
          contents: `import runtime from 'handlebars/runtime';
const specs = new Map([${entries.join(',\n')}]);
export default {
  create() {
    const env = runtime.create();
    return {
      registerHelper: (...args) => env.registerHelper(...args),
      compile(source, options) {
        const spec = specs.get(JSON.stringify([source, options]));
        if (!spec) throw new Error('platformc: a Terraform template was not precompiled (compiler/build.mjs)');
        return env.template(spec);
      },
    };
  },
};
`,
        }));
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await build({
  ...common,
  entryPoints: ['compiler/cli/main.ts'],
  outfile: 'dist/main.cjs',
  plugins: [
    await precompiledTemplates(),
    {
      name: 'vendor',
      setup(b) {
        const filter = new RegExp(`^(${Object.keys(vendor).map((s) => s.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|')})$`);
        // Through a one-line module, so that a dynamic import() becomes a require() of the vendor file:
        // import() in code run by vm.Script would need a module loader of its own.
        b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'vendor' }));
        b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`./vendor/${vendor[args.path]}`)});`, loader: 'js' }));
        b.onResolve({ filter: /^\.\/vendor\//, namespace: 'vendor' }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
});

await build({
  ...common,
  entryPoints: Object.fromEntries(Object.entries(vendor).map(([specifier, file]) => [file.replace(/\.cjs$/, ''), specifier])),
  outdir: 'dist/vendor',
  outExtension: { '.js': '.cjs' },
});
