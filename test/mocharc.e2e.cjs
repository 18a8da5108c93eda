// The e2e tier. Run the TypeScript sources through tsx, resolving workspace
// packages to their src/ through the "source" export condition.
module.exports = {
  'node-option': ['conditions=source', 'import=tsx'],
  require: ['test/hooks.ts'],
  extension: ['ts'],
  spec: ['apps/*/test/e2e/**/*.test.ts', 'test/e2e/**/*.test.ts'],
  timeout: 120000,
  'forbid-only': true,
  'forbid-pending': true,
  exit: false,
};
