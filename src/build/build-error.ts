// A build failure the user can act on. `message` is shown after "remote:  !"; `outputTail` keeps the
// last lines of the failing step so the API and logs can show them without holding the whole output.
export class BuildError extends Error {
  readonly outputTail: string[];

  constructor(message: string, outputTail: string[] = []) {
    super(message);
    this.name = "BuildError";
    this.outputTail = outputTail;
  }
}
