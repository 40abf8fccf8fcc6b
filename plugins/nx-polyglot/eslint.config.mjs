// The plugin is held to what it asks of the code it checks: typescript-eslint's
// recommended rules (type-aware where they find real bugs: floating promises,
// misused awaits), Prettier owning the layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // what the plugin prints goes through redact() (src/known-secrets.ts): a registry may echo its token
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts', 'src/**/__fixtures__/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='write'][callee.object.object.name='process'][callee.object.property.name=/^std(out|err)$/]:not([arguments.0.type='Literal']):not([arguments.0.name=/^[A-Z_]+$/]):not([arguments.0.callee.name='redact'])",
          message: 'Print through redact() (known-secrets.ts): the text may quote a registry that echoed a token.',
        },
        {
          selector: "CallExpression[callee.object.name='console']:not([arguments.0.callee.name='redact'])",
          message: 'Print through redact() (known-secrets.ts): the text may quote a registry that echoed a token.',
        },
      ],
    },
  },
);
