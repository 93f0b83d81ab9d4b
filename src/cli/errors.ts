// Errors a `rig` command reports to the user: a message that says what went wrong and what
// to do next, and the exit code. `runReporting` turns them into stderr text and an exit
// code, so a command's body can simply throw.

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Runs a command body; a CliError becomes `error: <message>` on stderr and its exit code. */
export async function runReporting(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
