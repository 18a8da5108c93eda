/**
 * The seed's migrator step: `migrate latest` creates the database when it is
 * missing and applies pending migrations; `migrate down` reverts them all.
 */
import { readInfraConfig } from '../config.js';
import { createDatabase, ensureDatabase } from '@order-service/postgres';
import { migrateDownAll, migrateLatest } from '../migrate.js';

const command = process.argv[2] ?? 'latest';
const { databaseUrl } = readInfraConfig();
const where = new URL(databaseUrl).pathname.slice(1);

if (command === 'latest' && (await ensureDatabase(databaseUrl))) console.log(`created database ${where}`);
const db = createDatabase({ url: databaseUrl, poolMax: 1 });
try {
  if (command === 'latest') {
    const applied = await migrateLatest(db);
    console.log(applied.length ? `${where}: applied ${applied.join(', ')}` : `${where}: schema up to date`);
  } else if (command === 'down') {
    const reverted = await migrateDownAll(db);
    console.log(`${where}: reverted ${reverted.join(', ') || 'nothing'}`);
  } else {
    console.error(`usage: migrate latest|down`);
    process.exitCode = 2;
  }
} finally {
  await db.destroy();
}
