/** The development issuer's keys on disk: generated once, then reused so tokens outlive restarts. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TokenIssuer, type StoredKey } from './token-issuer.js';

/** Loads the issuer whose keys are in `path`, generating and storing them (mode 0600) when the file is absent. */
export async function loadOrCreateIssuer(path: string): Promise<TokenIssuer> {
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { keys: StoredKey[] };
    return TokenIssuer.fromStoredKeys(stored.keys);
  }
  const issuer = await TokenIssuer.generate();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify({ keys: await issuer.exportKeys() }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return issuer;
}
