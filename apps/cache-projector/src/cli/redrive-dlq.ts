// The redrive command: reports what the dead-letter topic holds and, with --apply, sends what now decodes back to the order topic.
import { parseArgs } from 'node:util';
import { createLogger, errorFields } from '@order-service/runtime';
import { ledgerTopicOf, redriveDeadLetters } from '../redrive/redrive-dead-letters.js';
import { abortOnSignals, EXIT_USAGE, exitCodeOfSignal, startOperatorCommand } from './operator-command.js';
import { loggedRedriveView, terminalRedriveView } from './redrive-progress.js';

const USAGE = `Usage: scripts/redrive-dlq [--dry-run | --apply] [options]

Reads the dead-letter topic and shows what it holds: records per reason, the
oldest and the newest. With --apply, every record that now decodes as an order
event (after the fix of its cause: a newer projector build, a corrected
producer) is sent again to the order topic, with its key and headers and a
redriven-from header naming where it was parked; the others stay. What was sent
is recorded in <dlq>.redriven, so a second --apply sends nothing twice.

Options (defaults from the projector's configuration: environment and .env):
  --dry-run                  only report (the default)
  --apply                    send the decodable records again
  --brokers <host:port,...>  Kafka bootstrap servers       (KAFKA_BROKERS)
  --topic <name>             topic to send them to         (KAFKA_TOPIC)
  --dlq-topic <name>         dead-letter topic             (KAFKA_DLQ_TOPIC)
  -h, --help                 show this help
`;

async function main(argv: string[]): Promise<number> {
  const start = startOperatorCommand('redrive-dlq', USAGE, argv, parseOptions);
  if ('exit' in start) return start.exit;
  const { config, values } = start;
  if (values.apply && values['dry-run']) {
    process.stderr.write(`redrive-dlq: --apply and --dry-run exclude each other\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  const onTerminal = process.stderr.isTTY === true;
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty || onTerminal, service: 'order-dlq-redrive' });
  const view = onTerminal ? terminalRedriveView(process.stderr) : loggedRedriveView(logger);
  const interruption = abortOnSignals((signal, again) => {
    view.interrupt();
    if (!again) logger.warn('interrupted: stopping after the records being sent', { signal });
  });

  const deadLetterTopic = values['dlq-topic'] ?? config.kafka.deadLetterTopic;
  try {
    const summary = await redriveDeadLetters({
      brokers: values.brokers?.split(',').filter(Boolean) ?? config.kafka.brokers,
      topic: values.topic ?? config.kafka.topic,
      deadLetterTopic,
      apply: values.apply === true,
      logger,
      clientId: `${config.kafka.clientId}-redrive`,
      groupIdPrefix: `${config.kafka.groupId}-redrive`,
      signal: interruption,
      onProgress: (progress) => view.update(progress),
    });
    view.finish(summary);
    if (!onTerminal) process.stdout.write(`${JSON.stringify({ ...summary, toRedrive: summary.toRedrive.length, ledger: ledgerTopicOf(deadLetterTopic) })}\n`);
    return interruption.aborted ? exitCodeOfSignal(interruption.reason) : 0;
  } catch (error) {
    view.interrupt();
    if (interruption.aborted) return exitCodeOfSignal(interruption.reason);
    logger.error('redrive failed', { err: errorFields(error) });
    return 1;
  }
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      apply: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      brokers: { type: 'string' },
      topic: { type: 'string' },
      'dlq-topic': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

process.exit(await main(process.argv.slice(2)));
