/**
 * Finds the processes of the stack the suite measures against, so that their
 * CPU time counts per operation too: PostgreSQL's backends serving the suite's
 * databases, the redis-server and the Kafka broker (JVM) listening on the
 * suite's ports. Only processes on this machine are found; a server elsewhere
 * is left out of the figures (and the report says n/a).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ProcessGroups } from './cpu-usage.js';

export interface StackEndpoints {
  databaseUrls: readonly string[];
  redisUrl: string;
  brokers: readonly string[];
}

/** The groups as snapshotCpu reads them: `postgres`, `redis`, `broker`. */
export function stackProcesses(endpoints: StackEndpoints): ProcessGroups {
  const databases = new Set(endpoints.databaseUrls.map((url) => decodeURIComponent(new URL(url).pathname.slice(1))));
  const redisPort = Number(new URL(endpoints.redisUrl).port || 6379);
  const brokerPorts = endpoints.brokers.map((broker) => Number(broker.split(':').pop()));
  const listeners = new ListenerPids();
  return () => {
    const groups = new Map<string, number[]>();
    groups.set('postgres', postgresBackends(databases));
    const redis = listeners.pidOf(redisPort);
    if (redis !== undefined) groups.set('redis', [redis]);
    const brokers = brokerPorts.flatMap((port) => listeners.pidOf(port) ?? []);
    if (brokers.length > 0) groups.set('broker', [...new Set(brokers)]);
    return groups;
  };
}

/**
 * PostgreSQL's backends of `databases`, by their process title:
 * `postgres: 15/main: postgres orders_bench 127.0.0.1(5432) idle`. The
 * cluster's shared processes (WAL writer, checkpointer) serve every database
 * on the machine, and autovacuum runs when the cluster gets to it: both are
 * left out.
 */
function postgresBackends(databases: ReadonlySet<string>): number[] {
  const pids: number[] = [];
  for (const pid of numericEntries('/proc')) {
    let title: string;
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.startsWith('postgres: ')) continue;
    // Autovacuum workers come and go whenever the cluster schedules them: left out, as run-to-run noise.
    if (title.includes('autovacuum')) continue;
    if (title.split(/[\s\0]+/).some((word) => databases.has(word))) pids.push(pid);
  }
  return pids;
}

/** Which process listens on a loopback TCP port, found once through the socket's inode and kept while it lives. */
class ListenerPids {
  readonly #known = new Map<number, number>();

  pidOf(port: number): number | undefined {
    const known = this.#known.get(port);
    if (known !== undefined && alive(known)) return known;
    const inodes = listeningInodes(port);
    if (inodes.size === 0) return undefined;
    for (const pid of numericEntries('/proc')) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target: string;
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode !== undefined && inodes.has(inode)) {
          this.#known.set(port, pid);
          return pid;
        }
      }
    }
    return undefined;
  }
}

/** Inodes of the sockets in LISTEN state on `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT" in hex, st 0A is LISTEN, the inode is the tenth field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function numericEntries(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}
