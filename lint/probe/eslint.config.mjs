// ESLint over the Node probe: `make lint` and `make test` run it with --max-warnings 0. Its packages are
// where scripts/install-probe-lint.sh pins them.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../.cache/probe-lint/', import.meta.url));
const js = require('@eslint/js');
const globals = require('globals');

export default [
  js.configs.recommended,
  {
    files: ['graphkit/live/node_probe/**/*.mjs'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-shadow': 'error',
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-implicit-coercion': 'error',
      'no-param-reassign': 'off',
    },
  },
];
