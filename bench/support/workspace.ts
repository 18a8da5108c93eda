import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every path the suite prints or spawns from is relative to it. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `require` as seen from one workspace package. The suite lives outside every
 * package, so third-party modules (express, redis) are loaded from the package
 * that depends on them: the baseline then runs the very express the API runs.
 */
export function requireFrom(packageDir: string): NodeJS.Require {
  return createRequire(join(ROOT, packageDir, 'package.json'));
}
