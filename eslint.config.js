// Lint rules that the test command enforces: no `any`, no default exports.
// Import cycles and the compiler/runtime boundary are checked by test/lint/imports.test.ts.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**', 'runtime/ring/wasm/assembly/**', 'runtime/ring/wasm/build/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'No default exports: use named exports.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Randomness comes from node:crypto (runtime/crypto/prg.ts), never Math.random.' }],
    },
  },
);
