// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** `.only` and `.skip` are refused in every TypeScript file, specs beside the code included. */
const focusedOrSkippedTests = [
  { object: 'describe', property: 'only', message: 'Focused tests must not be committed.' },
  { object: 'it', property: 'only', message: 'Focused tests must not be committed.' },
  { object: 'context', property: 'only', message: 'Focused tests must not be committed.' },
  { object: 'describe', property: 'skip', message: 'Skipped tests must not be committed.' },
  { object: 'it', property: 'skip', message: 'Skipped tests must not be committed.' },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.local/**', 'coverage/**', 'test-results/**', 'apps/api/public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-properties': ['error', ...focusedOrSkippedTests],
      'no-restricted-globals': ['error', { name: 'xit', message: 'Skipped tests must not be committed.' }],
    },
  },
  {
    // Configuration is read from the environment in exactly one place per app: its convict schema.
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts', 'infra/src/**/*.ts'],
    ignores: ['apps/*/src/config.ts', 'infra/src/config.ts'],
    rules: {
      // A later block's rule replaces an earlier one's options, so the test restrictions are repeated here.
      'no-restricted-properties': [
        'error',
        ...focusedOrSkippedTests,
        { object: 'process', property: 'env', message: 'Read configuration through the app convict schema (config.ts).' },
      ],
    },
  },
  {
    // Command-line tools and tests may print.
    files: ['**/test/**/*.ts', '**/*.spec.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'infra/src/cli/**/*.ts', 'apps/*/src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
