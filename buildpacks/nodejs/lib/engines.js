// node engines.js <range> <version> <npm-dir>: exit 0 when version satisfies range, 1 when not.
// Uses the semver copy that ships inside npm; without it, compares major versions only.
const [range, version, npmDir] = process.argv.slice(2);
let semver = null;
try {
  semver = require(require("path").join(npmDir, "node_modules", "semver"));
} catch {}
if (semver) process.exit(semver.satisfies(version, range) ? 0 : 1);
const major = (v) => (String(v).match(/\d+/) || [""])[0];
process.exit(major(range) === major(version) ? 0 : 1);
