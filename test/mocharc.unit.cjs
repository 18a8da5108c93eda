// The unit tier. Run the TypeScript sources through tsx, resolving workspace
// packages to their src/ through the "source" export condition.
module.exports = {
  'node-option': ['conditions=source', 'import=tsx'],
  require: ['test/hooks.ts'],
  extension: ['ts'],
  spec: ['packages/*/src/**/*.spec.ts', 'apps/*/src/**/*.spec.ts', 'bench/**/*.spec.ts', 'scripts/**/*.spec.ts'],
  timeout: 5000,
  'forbid-only': true,
  'forbid-pending': true,
  exit: false,
};
