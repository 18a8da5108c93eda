// A real Prometheus for end-to-end tests: its own port and data directory in a temporary folder, short intervals.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface ScrapeJob {
  job: string;
  /** host:port of each target, scraped at /metrics. */
  targets: string[];
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

/** Debian's prometheus package (scripts/lib/prometheus.sh installs it). */
const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export class PrometheusServer {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #exited: Promise<unknown>;
  #output = '';

  private constructor(child: ChildProcess, dir: string, port: number) {
    this.#child = child;
    this.#dir = dir;
    this.url = `http://127.0.0.1:${port}`;
    const collect = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.#exited = once(child, 'exit');
  }

  /** Starts Prometheus on `port`, scraping `jobs` every `intervalSeconds` and evaluating `rules` (file text) as often. */
  static async start({
    port,
    jobs,
    rules,
    intervalSeconds = 1,
  }: {
    port: number;
    jobs: ScrapeJob[];
    rules: string;
    intervalSeconds?: number;
  }): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'order-service-prometheus-'));
    writeFileSync(join(dir, 'rules.yml'), rules);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: `${intervalSeconds}s`, evaluation_interval: `${intervalSeconds}s`, scrape_timeout: `${intervalSeconds}s` },
        rule_files: [join(dir, 'rules.yml')],
        scrape_configs: jobs.map(({ job, targets }) => ({ job_name: job, static_configs: [{ targets }] })),
      }),
    );
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new PrometheusServer(child, dir, port);
    await server.#waitReady();
    return server;
  }

  /** The alerts pending or firing now (Prometheus' /api/v1/alerts); a resolved alert is no longer listed. */
  async alerts(): Promise<PrometheusAlert[]> {
    const res = await fetch(`${this.url}/api/v1/alerts`);
    const body = (await res.json()) as { data: { alerts: PrometheusAlert[] } };
    return body.data.alerts;
  }

  /** The instant vector of `expr` now. */
  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    return body.data.result;
  }

  /** What Prometheus wrote, for a failing test's message. */
  get output(): string {
    return this.#output;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
      await this.#exited;
      clearTimeout(timer);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.#child.exitCode !== null) throw new Error(`prometheus exited with ${this.#child.exitCode}:\n${this.#output}`);
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.stop();
    throw new Error(`prometheus not ready within 30 s:\n${this.#output}`);
  }
}
