import { BuildError } from "./build-error.ts";

const PROCFILE_LINE = /^([A-Za-z0-9_-]+):\s*(.*?)\s*$/;

// Parses a Procfile: one `<type>: <command>` per line; blank lines and `#` comments are skipped.
export function parseProcfile(text: string): Record<string, string> {
  const types: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = PROCFILE_LINE.exec(line);
    const [, type, command] = match ?? [];
    if (!type || !command) {
      throw new BuildError(
        `Procfile line ${index + 1} is not \`<process type>: <command>\` ` +
          `(types are letters, digits, _ and -): ${JSON.stringify(raw)}`,
      );
    }
    types[type] = command;
  });
  return types;
}
