export { migrateDownAll, migrateLatest, pendingMigrations } from './migrate.js';
