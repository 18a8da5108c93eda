/**
 * Prints the nginx.conf of ./scripts/up's load balancer (scripts/lib/nginx-config.ts):
 *   scripts/nginx-config.ts --dir .local/run/nginx --listen 8080 --replica 8100 --replica 8102 [--fail-timeout 2] [--access-log FILE]
 */
import { parseArgs } from 'node:util';
import { nginxConfig } from './lib/nginx-config.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    listen: { type: 'string', default: '8080' },
    replica: { type: 'string', multiple: true, default: [] },
    'access-log': { type: 'string' },
    'fail-timeout': { type: 'string', default: '2' },
  },
  strict: true,
});
const port = (text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`not a port: ${text}`);
  return value;
};
if (values.dir === undefined || values.replica.length === 0) throw new Error('usage: scripts/nginx-config.ts --dir DIR --listen PORT --replica PORT...');
process.stdout.write(
  nginxConfig({
    dir: values.dir,
    // One process: the pid up tracks is all of nginx, so even a SIGKILL (down --now) leaves no worker behind.
    singleProcess: true,
    upstreams: [{ name: 'api', ports: values.replica.map(port) }],
    servers: [{ port: port(values.listen), upstream: 'api' }],
    failTimeoutSeconds: Number(values['fail-timeout']),
    ...(values['access-log'] !== undefined && { accessLog: values['access-log'] }),
  }),
);
