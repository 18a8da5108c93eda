// The integration tier. Run the TypeScript sources through tsx, resolving workspace
// packages to their src/ through the "source" export condition.
module.exports = {
  'node-option': ['conditions=source', 'import=tsx'],
  require: ['test/hooks.ts'],
  extension: ['ts'],
  spec: ['packages/*/test/integration/**/*.test.ts', 'infra/test/integration/**/*.test.ts', 'apps/*/test/integration/**/*.test.ts'],
  timeout: 30000,
  'forbid-only': true,
  'forbid-pending': true,
  exit: false,
};
