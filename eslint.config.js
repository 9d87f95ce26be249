// Lint rules, chiefly the import direction of docs/architecture.md, Layers:
// cli → daemon → {server, broker, aws, keychain, config} → {protocol, domain, platform}.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layers = ['bin', 'cli', 'daemon', 'server', 'broker', 'aws', 'keychain', 'config', 'protocol', 'domain', 'platform'];

/** Which src folders each folder may import from (besides itself). */
const allowed = {
  bin: ['cli'],
  cli: ['daemon', 'server', 'broker', 'aws', 'keychain', 'config', 'protocol', 'domain', 'platform'],
  daemon: ['server', 'broker', 'aws', 'keychain', 'config', 'protocol', 'domain', 'platform'],
  server: ['protocol', 'domain', 'platform'],
  broker: ['domain', 'platform'],
  aws: ['domain', 'platform'],
  keychain: ['domain', 'platform'],
  config: ['domain', 'platform'],
  protocol: ['domain'],
  domain: [],
  platform: [],
};

/** Packages a folder must not touch: the SDK and the keychain stay behind their ports. */
const forbiddenPackages = {
  server: ['@aws-sdk/*', '@napi-rs/keyring', '@smithy/*'],
  broker: ['@aws-sdk/*', '@napi-rs/keyring', '@smithy/*', 'fastify'],
  domain: ['*'],
  protocol: ['@aws-sdk/*', '@napi-rs/keyring', 'fastify'],
  platform: ['@aws-sdk/*', '@napi-rs/keyring', 'fastify'],
};
/** ~/.aws/config has one door: src/config. */
const configOnly = '@smithy/shared-ini-file-loader';

/** Rules every src file gets; repeated per layer because a later no-restricted-syntax replaces, not extends. */
const houseSyntax = [
  { selector: 'TSEnumDeclaration', message: 'No enums: use string unions (house rule).' },
  { selector: 'TSModuleDeclaration', message: 'No namespaces (house rule).' },
  { selector: 'ExportAllDeclaration', message: 'No export * (house rule).' },
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const layerRules = layers.map((layer) => {
  const banned = layers.filter((other) => other !== layer && !allowed[layer].includes(other));
  const where = `src/${layer} may import only from: ${allowed[layer].join(', ') || 'nothing in src'} (docs/architecture.md, Layers).`;
  const packages = [...(forbiddenPackages[layer] ?? []).filter((p) => p !== '*'), ...(layer === 'config' ? [] : [configOnly])];
  const patterns = [
    // `**/x/**` catches a layer however many `../` lead to it.
    ...(banned.length > 0 ? [{ group: banned.flatMap((b) => [`**/${b}/**`, `**/${b}`]), message: where }] : []),
    ...(packages.length > 0 ? [{ group: packages, message: `src/${layer} must not use this package directly (docs/architecture.md, Layers).` }] : []),
  ];
  if (layer === 'domain') {
    patterns.push({ regex: '^(?!\\./)', message: 'src/domain imports nothing but its own files (docs/architecture.md, Layers).' });
  }
  // no-restricted-imports never sees import(): the same walls for dynamic imports.
  const dynamic = [];
  if (banned.length > 0) {
    // esquery ends a regex at the first `/`, so slashes are written \x2F.
    const layerRe = `^\\.{1,2}\\x2F(?:\\.\\.\\x2F)*(?:.*\\x2F)?(?:${banned.map(escape).join('|')})(?:\\x2F|$)`;
    dynamic.push({ selector: `ImportExpression[source.value=/${layerRe}/]`, message: where });
  }
  for (const p of packages) {
    const re = `^${escape(p).replace('\\*', '.*').replaceAll('/', '\\x2F')}$`;
    dynamic.push({ selector: `ImportExpression[source.value=/${re}/]`, message: `src/${layer} must not use this package directly (docs/architecture.md, Layers).` });
  }
  if (layer === 'domain') dynamic.push({ selector: 'ImportExpression', message: 'src/domain imports nothing (docs/architecture.md, Layers).' });
  // An import() of a computed path would slip past every rule above.
  dynamic.push({ selector: 'ImportExpression[source.type!="Literal"]', message: 'import() takes a literal path, so lint can check the layer (docs/architecture.md, Layers).' });
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': ['error', ...houseSyntax, ...dynamic],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', ...houseSyntax],
    },
  },
  ...layerRules,
  // The benchmark shares only test/shared/ with the tests, never their support code.
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/support/*', '**/test/support'], message: 'bench/ may use test/shared/, not test/support/.' }] }] },
  },
);
