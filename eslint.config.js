// Lint: typescript-eslint's recommended rules, plus the one architectural rule a linter can
// enforce cheaply: core code never prints (only src/cli/ touches stdout/stderr).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'examples/**/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/**/*.test.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error',
        { object: 'process', property: 'stdout', message: 'Only src/cli/ writes to stdout.' },
        { object: 'process', property: 'stderr', message: 'Only src/cli/ writes to stderr.' },
        { object: 'process', property: 'exit', message: 'Only src/cli/ decides exit codes.' },
        { object: 'process', property: 'argv', message: 'Only src/cli/ reads argv.' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
