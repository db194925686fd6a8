// `.slugignore` uses .gitignore's pattern format without `!` negation (Heroku: Up and Running, L1861):
// a pattern without a slash matches a name at any depth; one with a slash is anchored at the app root;
// a trailing slash still matches (we cannot tell directories from the path alone, and Heroku removes both);
// a match on a directory excludes everything under it.
export function slugignoreMatcher(text: string): (relPath: string) => boolean {
  const patterns = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("!"))
    .map(patternToRegExp);
  if (patterns.length === 0) return () => false;
  return (relPath) => {
    const segments = relPath.replace(/^\.\//, "").split("/").filter((s) => s !== "");
    // The path or any of its ancestor directories may match.
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join("/");
      if (patterns.some((re) => re.test(prefix))) return true;
    }
    return false;
  };
}

function patternToRegExp(pattern: string): RegExp {
  let body = pattern.replace(/\/+$/, "");
  const anchored = body.includes("/");
  body = body.replace(/^\//, "");
  const source = globToRegExpSource(body);
  return new RegExp(anchored ? `^${source}$` : `^(?:.*/)?${source}$`);
}

function globToRegExpSource(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      out += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") {
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) {
        out += "\\[";
        continue;
      }
      const set = glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
      out += `[${set}]`;
      i = end;
    } else if (c === "\\" && i + 1 < glob.length) {
      out += escapeRegExp(glob[++i]!);
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
