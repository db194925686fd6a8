// The user-facing lines of a build, in Heroku's words. Pure so their wording is tested in one place.

export const header = (text: string): string => `-----> ${text}`;
export const detail = (text: string): string => `       ${text}`;

export function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.ceil(bytes / 1024))}K`;
  return `${(bytes / (1024 * 1024)).toFixed(1)}MB`;
}

// "Discovering process types": what the Procfile declares, then the buildpack defaults it does not override.
export function processTypeLines(procfile: Record<string, string>, defaults: Record<string, string>): string[] {
  const declared = Object.keys(procfile);
  const fromDefaults = Object.keys(defaults).filter((type) => !(type in procfile));
  const lines = [header("Discovering process types"), detail(`Procfile declares types     -> ${listOrNone(declared)}`)];
  if (fromDefaults.length > 0) lines.push(detail(`Default types for buildpack -> ${fromDefaults.join(", ")}`));
  return lines;
}

function listOrNone(types: string[]): string {
  return types.length > 0 ? types.join(", ") : "(none)";
}

export function buildpackListLines(specs: string[]): string[] {
  if (specs.length === 0) return [header("Determining which buildpack to use for this app")];
  if (specs.length === 1) return [header(`Using buildpack: ${specs[0]}`)];
  return [header("Using buildpacks:"), ...specs.map((spec, i) => detail(`${i + 1}. ${spec}`))];
}

export function slugSizeWarning(bytes: number, warnBytes: number): string | null {
  if (bytes <= warnBytes) return null;
  return (
    ` !     Warning: Your slug size (${formatSize(bytes)}) exceeds our soft limit ` +
    `(${formatSize(warnBytes)}) which may affect boot time.`
  );
}

export const timeoutMessage = (appName: string, timeoutMs: number): string =>
  `Timed out compiling ${appName} app (${Math.round(timeoutMs / 60000)} minutes)`;
