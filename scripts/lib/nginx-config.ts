/**
 * The nginx configuration of a local load balancer in front of API replicas on
 * loopback, written by ./scripts/up (`--replicas N`, through scripts/nginx-config.ts)
 * and by the scale-out benchmark: one place for both, so what the benchmark
 * measures is what `up` runs.
 *
 * Retries: a request goes to the next replica when the first refuses or drops
 * the connection, times out, or answers 503 (a replica that is stopping or
 * cannot reach PostgreSQL) — always for reads, and for writes only when they
 * carry an `Idempotency-Key`, which makes a repeated write harmless. A write
 * without one is passed on only while no replica has received it (nginx never
 * re-sends a POST it has sent, and a 503 answer is returned as it is).
 * infra/docker/nginx.conf has the same retry rules for docker-compose.
 */
import { join } from 'node:path';

export interface NginxUpstream {
  name: string;
  /** Ports of the replicas on 127.0.0.1. */
  ports: readonly number[];
}

export interface NginxServer {
  /** Port nginx listens on, on 127.0.0.1. */
  port: number;
  /** Name of the upstream it passes requests to. */
  upstream: string;
}

export interface NginxConfigOptions {
  /** nginx's prefix: its pid file, error log and temporary files go here. */
  dir: string;
  upstreams: readonly NginxUpstream[];
  servers: readonly NginxServer[];
  /** One process (master_process off), as the benchmark wants; otherwise a master and one worker. */
  singleProcess?: boolean;
  /** Where the access log goes (one JSON line per request); absent: no access log. */
  accessLog?: string;
  /** How long a replica that failed is left out before nginx tries it again. */
  failTimeoutSeconds?: number;
  /** Failures within failTimeoutSeconds that leave a replica out (1); 0 never leaves one out. */
  maxFails?: number;
}

/** The directives that decide which requests may go to a second replica (shared with infra/docker/nginx.conf). */
export const RETRY_DIRECTIVES = {
  retried: 'proxy_next_upstream error timeout http_503 non_idempotent;',
  writeWithoutKey: 'proxy_next_upstream error timeout;',
} as const;

function upstreamBlock({ name, ports }: NginxUpstream, maxFails: number, failTimeoutSeconds: number): string {
  return [
    `  upstream ${name} {`,
    ...ports.map((port) => `    server 127.0.0.1:${port} max_fails=${maxFails} fail_timeout=${failTimeoutSeconds}s;`),
    // Idle connections to the replicas are reused and closed before the API's keep-alive timeout (65 s).
    '    keepalive 64;',
    '    keepalive_requests 10000000;',
    '    keepalive_timeout 60s;',
    '  }',
  ].join('\n');
}

function serverBlock({ port, upstream }: NginxServer): string {
  return [
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    proxy_http_version 1.1;`,
    '    proxy_set_header Connection "";',
    '    proxy_set_header Host $http_host;',
    '    proxy_set_header X-Request-Id $forwarded_request_id;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_connect_timeout 2s;',
    '    proxy_read_timeout 30s;',
    '    proxy_next_upstream_timeout 10s;',
    '    location / {',
    // A write without an Idempotency-Key goes to the location that never repeats it.
    '      error_page 418 = @write_without_key;',
    '      if ($write_without_key) { return 418; }',
    `      proxy_pass http://${upstream};`,
    `      ${RETRY_DIRECTIVES.retried}`,
    '    }',
    '    location @write_without_key {',
    `      proxy_pass http://${upstream};`,
    `      ${RETRY_DIRECTIVES.writeWithoutKey}`,
    '    }',
    '  }',
  ].join('\n');
}

/** The whole nginx.conf: in the foreground (`daemon off`), so the process started is the one to stop. */
export function nginxConfig({ dir, upstreams, servers, singleProcess = false, accessLog, failTimeoutSeconds = 2, maxFails = 1 }: NginxConfigOptions): string {
  return [
    'daemon off;',
    singleProcess ? 'master_process off;' : 'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    accessLog === undefined
      ? '  access_log off;'
      : [
          `  log_format json escape=json '{"time":"$time_iso8601","request_id":"$forwarded_request_id","method":"$request_method","uri":"$request_uri","status":$status,"duration_s":$request_time,"upstream":"$upstream_addr","upstream_status":"$upstream_status"}';`,
          `  access_log ${accessLog} json;`,
        ].join('\n'),
    // The default (1,000) closes a client's connection every 1,000 requests, which a load generator counts as an error.
    '  keepalive_requests 10000000;',
    '  keepalive_timeout 65s;',
    '  server_tokens off;',
    // Above the API's own 1 MiB body limit, so the API answers an oversized body with its problem+json 413.
    '  client_max_body_size 2m;',
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    '  map $http_x_request_id $forwarded_request_id {',
    '    default $http_x_request_id;',
    "    ''      $request_id;",
    '  }',
    // 1 for a write (any method but GET, HEAD, OPTIONS) that carries no Idempotency-Key.
    '  map "$request_method:$http_idempotency_key" $write_without_key {',
    '    default 0;',
    '    ~^(GET|HEAD|OPTIONS): 0;',
    '    ~^[A-Z]+:$ 1;',
    '  }',
    ...upstreams.map((upstream) => upstreamBlock(upstream, maxFails, failTimeoutSeconds)),
    ...servers.map(serverBlock),
    '}',
    '',
  ].join('\n');
}
