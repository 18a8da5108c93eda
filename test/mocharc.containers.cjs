// The containers tier (stage `containers` of scripts/test): the images and the
// compose stack under podman. Slow by nature: one file, long timeouts, no retries.
module.exports = {
  'node-option': ['conditions=source', 'import=tsx'],
  require: ['test/hooks.ts'],
  extension: ['ts'],
  spec: ['test/containers/**/*.test.ts'],
  timeout: 1500000,
  'forbid-only': true,
  'forbid-pending': true,
  exit: false,
};
