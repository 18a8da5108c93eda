/** The parts of a convict schema entry this module reads. */
interface SchemaEntry {
  env?: string;
  [key: string]: unknown;
}

/**
 * Convict names the failing key (`http.port: must be …`); operators set
 * environment variables, so each line also names the variable to fix.
 */
export function describeConfigError(error: unknown, schema: object): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .map((line) => {
      const key = /^([\w.]+):/.exec(line)?.[1];
      const env = key ? envOf(schema, key) : undefined;
      return env ? `${env} (${line})` : line;
    })
    .join('\n');
}

function envOf(schema: object, dottedKey: string): string | undefined {
  let node: unknown = schema;
  for (const part of dottedKey.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return (node as SchemaEntry | undefined)?.env;
}

/** Rows for the README's environment table, generated from the schema rather than written twice. */
export function describeEnvironment(schema: object, prefix = ''): Array<{ env: string; key: string; doc: string; default: string }> {
  const rows: Array<{ env: string; key: string; doc: string; default: string }> = [];
  for (const [name, value] of Object.entries(schema)) {
    if (typeof value !== 'object' || value === null) continue;
    const entry = value as SchemaEntry & { doc?: string; default?: unknown; sensitive?: boolean };
    const key = prefix ? `${prefix}.${name}` : name;
    if ('default' in entry && 'doc' in entry) {
      if (entry.env) {
        const shown = entry.sensitive ? '(secret)' : JSON.stringify(entry.default);
        rows.push({ env: entry.env, key, doc: String(entry.doc), default: shown });
      }
    } else {
      rows.push(...describeEnvironment(entry, key));
    }
  }
  return rows;
}
