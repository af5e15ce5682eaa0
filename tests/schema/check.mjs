// Validates every matrices/*.yaml file against matrices/schema/matrix.schema.json (JSON Schema 2020-12).
// Usage: node tests/schema/check.mjs [REPO_ROOT]. Exit 0 when all files pass, 1 otherwise.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { parseDocument } from "yaml";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;

const root = resolve(process.argv[2] ?? ".");
const dir = join(root, "matrices");
const schema = JSON.parse(readFileSync(join(dir, "schema", "matrix.schema.json"), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(schema);

let failed = 0;
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
for (const name of files) {
  const text = readFileSync(join(dir, name), "utf8");
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    failed++;
    for (const e of doc.errors) console.log(`matrices/${name}: ${e.message}`);
    continue;
  }
  if (!text.startsWith("# yaml-language-server: $schema=./schema/matrix.schema.json")) {
    failed++;
    console.log(`matrices/${name}: first line must reference ./schema/matrix.schema.json`);
  }
  if (!validate(doc.toJS())) {
    failed++;
    for (const e of validate.errors) console.log(`matrices/${name}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  } else {
    console.log(`ok matrices/${name}`);
  }
}
if (files.length === 0) { console.log("no matrices/*.yaml found"); process.exit(1); }
process.exit(failed ? 1 : 0);
