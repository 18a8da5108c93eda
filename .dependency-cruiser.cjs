/** Architecture rules: dependencies point inward, the domain stays pure, nothing is circular. */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-domain-to-infra-deps',
      comment: 'The domain is plain TypeScript: no framework, driver, logger or other package.',
      severity: 'error',
      from: { path: '^packages/domain/src' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'domain-imports-only-itself',
      severity: 'error',
      from: { path: '^packages/domain/src' },
      to: { pathNot: ['^packages/domain/src'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'contracts-depend-on-domain-and-joi-only',
      severity: 'error',
      from: { path: '^packages/contracts/src' },
      to: { pathNot: ['^packages/(contracts|domain)/src', 'node_modules/joi', '^node_modules/\\.pnpm/joi'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'packages-do-not-import-apps',
      severity: 'error',
      from: { path: '^(packages|infra)/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-do-not-import-each-other',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-test-helpers-in-production',
      comment: 'Builders and doubles sit under src/testing (each package\'s "./testing" export) and serve tests only.',
      severity: 'error',
      from: { path: '^(apps/[^/]+|packages/[^/]+|infra)/src/', pathNot: ['\\.spec\\.ts$', '/src/testing/'] },
      to: { path: '/src/testing/' },
    },
    {
      name: 'no-spec-in-production',
      severity: 'error',
      from: { pathNot: '\\.(spec|test)\\.ts$|/test/' },
      to: { path: '\\.(spec|test)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.tests.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['source', 'import', 'default'] },
  },
};
