/** Argument handling shared by the sub-commands (internal). */

/** A mistake in the command line: the sub-command prints it with its usage and exits 2. */
export class UsageError extends Error {}

/** The value of the flag before `args[i]`; a UsageError when it is missing or is another flag. */
export function flagValue(args: readonly string[], i: number): string {
  const v = args[i];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${args[i - 1]} needs a value`);
  return v;
}

/**
 * Parses a sub-command's arguments. Returns the options, or the exit code once it has printed the usage:
 * 0 for `--help` (on stdout), 2 for a usage error (on stderr, after the message).
 */
export function parseOrExit<T>(command: string, usage: string, parse: (args: string[]) => T | 'help', args: string[]): T | number {
  let options: T | 'help';
  try { options = parse(args); } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`cdk8s-progressive ${command}: ${e.message}\n${usage}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return options;
}
