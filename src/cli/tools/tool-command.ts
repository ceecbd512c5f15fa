/**
 * One `pos tool` subcommand. `run` returns the JSON value to print on stdout; bad input
 * throws a ValidationError (or any PosError), which the dispatcher prints as one line on
 * stderr with exit code 2 (CONTRACT.md). Each subcommand lives in its own file here and
 * is listed in src/cli/tools/index.ts.
 */
export interface ToolCommand {
  name: string;
  /** One line: the arguments, as in CONTRACT.md. */
  usage: string;
  run(args: string[]): unknown | Promise<unknown>;
}
