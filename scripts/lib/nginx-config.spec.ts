import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { nginxConfig, RETRY_DIRECTIVES } from './nginx-config.js';

const composeConfig = readFileSync(new URL('../../infra/docker/nginx.conf', import.meta.url), 'utf8');
const lines = (text: string): string[] => text.split('\n').map((line) => line.trim());

describe("the local load balancer's nginx.conf", () => {
  const config = nginxConfig({
    dir: '/tmp/lb',
    upstreams: [{ name: 'api', ports: [18100, 18102] }],
    servers: [{ port: 8080, upstream: 'api' }],
  });

  it('passes to every replica with keep-alive, in the foreground, with its files under its prefix', () => {
    expect(lines(config)).to.include.members([
      'daemon off;',
      'server 127.0.0.1:18100 max_fails=1 fail_timeout=2s;',
      'server 127.0.0.1:18102 max_fails=1 fail_timeout=2s;',
      'keepalive 64;',
      'listen 127.0.0.1:8080;',
      'proxy_pass http://api;',
      'proxy_set_header Connection "";',
      'pid /tmp/lb/nginx.pid;',
    ]);
  });

  it('retries reads and keyed writes on 503 too, and sends writes without a key to a location that never repeats them', () => {
    const main = config.slice(config.indexOf('location / {'), config.indexOf('location @write_without_key'));
    const writes = config.slice(config.indexOf('location @write_without_key'));
    expect(lines(main)).to.include.members(['if ($write_without_key) { return 418; }', RETRY_DIRECTIVES.retried]);
    expect(lines(writes)).to.include(RETRY_DIRECTIVES.writeWithoutKey);
    expect(writes).not.to.include('http_503');
  });

  it("has the same retry rules as docker-compose's nginx (infra/docker/nginx.conf)", () => {
    const mapOf = (text: string): string[] => {
      const start = text.indexOf('map "$request_method:$http_idempotency_key" $write_without_key {');
      return lines(text.slice(start, text.indexOf('}', start) + 1));
    };
    expect(mapOf(composeConfig)).to.deep.equal(mapOf(config));
    expect(lines(composeConfig)).to.include.members([
      'error_page 418 = @write_without_key;',
      'if ($write_without_key) { return 418; }',
      RETRY_DIRECTIVES.retried,
      RETRY_DIRECTIVES.writeWithoutKey,
    ]);
  });
});
