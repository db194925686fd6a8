// App names: Heroku's rules, and Heroku-style generated names (adjective-noun-NNNN).
const ADJECTIVES = [
  "ancient", "autumn", "billowing", "blazing", "bold", "brave", "calm", "cool", "crimson", "dawn", "desert", "falling",
  "floating", "fresh", "frosty", "gentle", "glacial", "golden", "hidden", "icy", "lively", "misty", "morning", "polar",
  "quiet", "rapid", "rolling", "shrouded", "silent", "sparkling", "still", "sunny", "swift", "tranquil", "wandering", "young",
];
const NOUNS = [
  "bay", "breeze", "brook", "cliff", "cloud", "dawn", "dew", "dune", "field", "fire", "forest", "galaxy", "glade", "harbor",
  "lake", "leaf", "meadow", "moon", "mountain", "ocean", "pond", "rain", "river", "sea", "shadow", "shore", "sky", "snow",
  "spring", "star", "stream", "summer", "sun", "thunder", "wave", "wind",
];

export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,29}$/;

export function appNameProblem(name: unknown): string | null {
  if (typeof name !== "string" || !APP_NAME_PATTERN.test(name))
    return "Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes (2 to 30 characters).";
  if (name.endsWith("-")) return "Name must end with a letter or digit.";
  return null;
}

export function generateAppName(random: () => number = Math.random): string {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${String(Math.floor(random() * 9000) + 1000)}`;
}
