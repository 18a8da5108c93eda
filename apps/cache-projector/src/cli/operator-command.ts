/**
 * What the projector's operator commands (replay-cache, redrive-dlq) share:
 * their exit codes, the configuration and options read once before anything
 * connects, and SIGINT/SIGTERM turned into an abort (a second signal exits at once).
 */
import { describeConfigError } from '@order-service/runtime';
import { loadProjectorConfig, projectorConfigSchema, type ProjectorConfig } from '../config.js';

export const EXIT_USAGE = 64;
const EXIT_CONFIG = 78;
const EXIT_BY_SIGNAL: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** The exit code of a command stopped by `signal` (an abort reason or a signal name). */
export function exitCodeOfSignal(signal: unknown): number {
  return EXIT_BY_SIGNAL[String(signal)] ?? 1;
}

/** The command's configuration and options, or the exit code it ends with (bad configuration or options, --help). */
export function startOperatorCommand<Values extends { help?: boolean | undefined }>(
  name: string,
  usage: string,
  argv: string[],
  parseOptions: (argv: string[]) => Values,
): { config: ProjectorConfig; values: Values } | { exit: number } {
  let config: ProjectorConfig;
  try {
    config = loadProjectorConfig({ dotenvPath: '.env' });
  } catch (error) {
    process.stderr.write(`${name}: invalid configuration:\n${describeConfigError(error, projectorConfigSchema)}\n`);
    return { exit: EXIT_CONFIG };
  }
  let values: Values;
  try {
    values = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return { exit: EXIT_USAGE };
  }
  if (values.help) {
    process.stdout.write(usage);
    return { exit: 0 };
  }
  return { config, values };
}

/**
 * An abort signal that the first SIGINT or SIGTERM aborts (its reason: the
 * signal's name); a second one exits the process at once. `onSignal` runs first
 * each time, told whether it is the second.
 */
export function abortOnSignals(onSignal: (signal: NodeJS.Signals, again: boolean) => void): AbortSignal {
  const interruption = new AbortController();
  const handle = (signal: NodeJS.Signals): void => {
    const again = interruption.signal.aborted;
    onSignal(signal, again);
    if (again) process.exit(exitCodeOfSignal(signal));
    interruption.abort(signal);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return interruption.signal;
}
