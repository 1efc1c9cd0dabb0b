import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.local/**',
      'web/dist/**',
      'inspector/dist/**',
      'bench/results/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Functions small enough to read and change safely (the team's rule; tests and benchmarks are exempt).
    files: ['local/**/*.ts', 'src/**/*.ts', 'infra/**/*.ts', 'web/src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['web/**/*.ts', 'inspector/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
