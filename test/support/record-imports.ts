/**
 * Preloaded into an app process (`--import`): writes every module the
 * process resolved to the file named by RECORD_IMPORTS_TO when it exits, so a
 * test can tell whether the OpenTelemetry SDK was loaded at all.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const target = process.env.RECORD_IMPORTS_TO;
const resolved = new Set<string>();
if (target) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      resolved.add(result.url);
      return result;
    },
  });
  process.on('exit', () => writeFileSync(target, [...resolved].join('\n')));
}
