/** The development issuer's keys on disk: generated once, then reused so tokens outlive restarts. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEV_ISSUER, TokenIssuer, type StoredKey } from './token-issuer.js';

interface KeyFile {
  /** The issuer identifier the keys sign as, so every tool that reads the file signs the same `iss`. */
  issuer: string;
  keys: StoredKey[];
}

/**
 * Loads the issuer whose keys are in `path`, generating and storing them (mode
 * 0600) under `issuer` when the file is absent. An existing file keeps the
 * issuer it was made for.
 */
export async function loadOrCreateIssuer(path: string, { issuer = DEV_ISSUER }: { issuer?: string } = {}): Promise<TokenIssuer> {
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFile> & { keys: StoredKey[] };
    return TokenIssuer.fromStoredKeys(stored.keys, { issuer: stored.issuer ?? DEV_ISSUER });
  }
  const created = await TokenIssuer.generate({ issuer });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const file: KeyFile = { issuer, keys: await created.exportKeys() };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return created;
}
