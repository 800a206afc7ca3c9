import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Library boundaries: which @epipe packages each library may import (its package.json
// dependencies), and the one library allowed to use each server's client. Everything else goes
// through a library's name and its index, never its files.
const LIBRARY_DEPS = {
  core: [],
  client: ['core'],
  metastore: ['core'],
  workload: ['core', 'metastore'],
  source: ['core'],
  epoch: ['core'],
  enrich: ['core'],
  filter: ['core'],
  'sink-kafka': ['core', 'client'],
  'sink-elastic': ['core'],
  pipeline: ['core', 'enrich', 'epoch', 'provenance', 'sink-elastic'],
  harness: [],
  provenance: ['core'],
  query: ['core'],
};
const CLIENT_OWNERS = {
  kafkajs: ['sink-kafka', 'client'],
  '@elastic/elasticsearch': ['sink-elastic'],
  '@vlasky/zongji': ['source'],
};
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const DEEP_IMPORT = {
  regex: '^@epipe/[^/]+/',
  message: 'Import a library by its name (its index), never its files.',
};
const INTO_SERVICE = {
  regex: '^@epipe/service$|(^|/)services/',
  message: 'A library never imports the service; the service wires the libraries.',
};
function clientRules(lib) {
  return Object.entries(CLIENT_OWNERS)
    .filter(([, owners]) => !owners.includes(lib))
    .map(([client, owners]) => ({
      regex: `^${escape(client)}(/|$)`,
      message: `Only ${owners.map((o) => `libs/${o}`).join(' and ')} may use ${client}.`,
    }));
}
function libraryBoundaries(lib, deps) {
  const allowed = deps.length > 0 ? `(?!(?:${deps.map(escape).join('|')})$)` : '';
  const sources = [`libs/${lib}/src/**/*.ts`];
  const tests = [`libs/${lib}/src/**/*.spec.ts`, `libs/${lib}/src/testing/**/*.ts`];
  return [
    {
      files: sources,
      ignores: tests,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              DEEP_IMPORT,
              INTO_SERVICE,
              ...clientRules(lib),
              {
                regex: `^@epipe/${allowed}[^/]+$`,
                message: `libs/${lib} may import only ${deps.length ? deps.map((d) => `@epipe/${d}`).join(', ') : 'no other @epipe package'} (its package.json).`,
              },
              {
                regex: '^\\.\\./\\.\\./',
                message: `Relative imports stay inside libs/${lib}/src; use the other package's name.`,
              },
            ],
          },
        ],
      },
    },
    {
      // Tests may also use other libraries (a real filter behind the enricher) and test support.
      files: tests,
      rules: {
        'no-restricted-imports': ['error', { patterns: [DEEP_IMPORT, INTO_SERVICE, ...clientRules(lib)] }],
      },
    },
  ];
}

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.stack/**',
      'bench/results/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true, allowAny: false },
      ],
    },
  },
  ...Object.entries(LIBRARY_DEPS).flatMap(([lib, deps]) => libraryBoundaries(lib, deps)),
  {
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [DEEP_IMPORT, ...clientRules('service')] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [DEEP_IMPORT] }] },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
