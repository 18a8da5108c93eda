/**
 * Architecture rules: dependencies point inward, the domain stays pure, nothing
 * is circular. docs/ARCHITECTURE.md states each of them in words; keep the two
 * in step.
 */

/** Specs and test-only entry points, which may reach test support anywhere. */
const TESTS = '\\.spec\\.ts$|/src/testing/';

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
      name: 'kafka-depends-on-contracts-only',
      comment: 'Kafka helpers know the event contract and nothing of the apps, PostgreSQL or Redis.',
      severity: 'error',
      from: { path: '^packages/kafka/src', pathNot: TESTS },
      to: { path: '^(packages|apps|infra)/', pathNot: '^packages/(kafka|contracts|domain)/src' },
    },
    {
      name: 'projection-depends-on-contracts-and-domain',
      comment: 'The projection core is shared by both apps; it knows the events and the order, nothing else of ours.',
      severity: 'error',
      from: { path: '^packages/projection/src', pathNot: TESTS },
      to: { path: '^(packages|apps|infra)/', pathNot: '^packages/(projection|contracts|domain)/src' },
    },
    {
      name: 'leaf-packages-stand-alone',
      comment: 'postgres, runtime, metrics and dev-issuer import no other package of the workspace.',
      severity: 'error',
      from: { path: '^packages/(postgres|runtime|metrics|dev-issuer)/src', pathNot: TESTS },
      to: { path: '^(packages|apps|infra)/', pathNot: '^packages/$1/src' },
    },
    {
      name: 'infra-depends-on-kafka-and-postgres',
      comment: 'Migrations and operator tools use the pool and the topic specs; they know nothing of the apps or the cache.',
      severity: 'error',
      from: { path: '^infra/src', pathNot: TESTS },
      to: { path: '^(packages|apps)/', pathNot: '^packages/(kafka|postgres|contracts|domain)/src' },
    },
    {
      name: 'projector-never-reaches-postgres',
      comment: "The cache projector reads the topic and writes Redis; PostgreSQL is the API's.",
      severity: 'error',
      from: { path: '^apps/cache-projector/' },
      to: { path: '^(packages/postgres|infra)/' },
    },
    {
      name: 'apps-never-import-infra',
      comment: 'infra holds migrations and operator CLIs, run by the migrator image; the apps ship without it.',
      severity: 'error',
      from: { path: '^apps/[^/]+/src/' },
      to: { path: '^infra/' },
    },
    {
      name: 'use-cases-import-no-adapters',
      comment: 'Use cases hold the rules of a request and own their ports; adapters, HTTP and the outbox plug into them, never the reverse.',
      severity: 'error',
      from: { path: '^apps/[^/]+/src/use-cases/', pathNot: TESTS },
      to: { path: '^apps/[^/]+/src/(adapters|http|outbox|consumers|composition-root|main)' },
    },
    {
      name: 'adapters-do-not-make-events',
      comment: 'Events are made by the use cases (order-events.ts); adapters record and read them.',
      severity: 'error',
      from: { path: '^apps/[^/]+/src/(adapters|outbox|consumers)/', pathNot: TESTS },
      to: { path: '^apps/[^/]+/src/use-cases/order-events\\.ts$' },
    },
    {
      name: 'consumers-import-no-adapters',
      comment: "The projector's consumer owns its ports (dead letters, invalidations); the adapters implement them.",
      severity: 'error',
      from: { path: '^apps/cache-projector/src/consumers/', pathNot: TESTS },
      to: { path: '^apps/cache-projector/src/adapters/' },
    },
    {
      name: 'only-main-builds-the-app',
      comment: 'The composition root is wired by main.ts alone (and by tests).',
      severity: 'error',
      from: { path: '^apps/[^/]+/src/', pathNot: '^apps/[^/]+/src/main\\.ts$|\\.spec\\.ts$' },
      to: { path: '^apps/[^/]+/src/composition-root\\.ts$' },
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
