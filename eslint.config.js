// Lint rules, chiefly the import direction of docs/architecture.md, Layers:
// cli → daemon → {server, broker, sts, keychain, config} → {protocol, domain, platform}.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layers = ['bin', 'cli', 'daemon', 'server', 'broker', 'sts', 'keychain', 'config', 'protocol', 'domain', 'platform'];

/** Which src folders each folder may import from (besides itself). */
const allowed = {
  bin: ['cli'],
  cli: ['daemon', 'server', 'broker', 'sts', 'keychain', 'config', 'protocol', 'domain', 'platform'],
  daemon: ['server', 'broker', 'sts', 'keychain', 'config', 'protocol', 'domain', 'platform'],
  server: ['protocol', 'domain', 'platform'],
  broker: ['domain', 'platform'],
  sts: ['domain', 'platform'],
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

const layerRules = layers.map((layer) => {
  const banned = layers.filter((other) => other !== layer && !allowed[layer].includes(other));
  const patterns = [
    ...(banned.length > 0
      ? [{ group: banned.flatMap((b) => [`../${b}/*`, `../../${b}/*`, `../${b}`, `../../${b}`]), message: `src/${layer} may import only from: ${allowed[layer].join(', ') || 'nothing in src'} (docs/architecture.md, Layers).` }]
      : []),
    ...((forbiddenPackages[layer] ?? []).length > 0
      ? [{ group: forbiddenPackages[layer].filter((p) => p !== '*'), message: `src/${layer} must not use this package directly (docs/architecture.md, Layers).` }].filter((p) => p.group.length > 0)
      : []),
  ];
  if (layer === 'domain') {
    patterns.push({ regex: '^(?!\\./)', message: 'src/domain imports nothing but its own files (docs/architecture.md, Layers).' });
  }
  return { files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
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
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'No enums: use string unions (house rule).' },
        { selector: 'TSModuleDeclaration', message: 'No namespaces (house rule).' },
        { selector: 'ExportAllDeclaration', message: 'No export * (house rule).' },
      ],
    },
  },
  ...layerRules,
  // The benchmark shares only test/shared/ with the tests, never their support code.
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/support/*', '**/test/support'], message: 'bench/ may use test/shared/, not test/support/.' }] }] },
  },
);
