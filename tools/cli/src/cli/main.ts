
/**
 * The `cdk8s-progressive` command: sub-commands that read what the constructs synthesized
 * (dist/ or a chart file) and never reach back into the constructs.
 */
import { clusterCommand } from './cluster-command';
import { Command } from './command';
import { planCommand } from './plan-command';
import { rehearseCommand } from './rehearse-command';
import { simulateCommand } from './simulate-command';

/** The sub-commands, by name. */
export const COMMANDS: { [name: string]: () => Command } = {
  cluster: clusterCommand,
  plan: planCommand,
  rehearse: () => rehearseCommand(),
  simulate: simulateCommand,
};

function usage(): string {
  const names = Object.keys(COMMANDS).sort();
  return ['usage: cdk8s-progressive <command> [options]', '', 'commands:',
    ...names.map((n) => `  ${n.padEnd(10)} ${COMMANDS[n]().summary}`)].join('\n');
}

/** Runs the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`cdk8s-progressive: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  return command().run(args);
}
