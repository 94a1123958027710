// The README's TypeScript blocks must compile as written, against the package's real types.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { root, TYPE_CHECK_TIMEOUT_MS, typeCheck } from "./support/typescript.js";

const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);

test("the README has TypeScript examples", () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
});

test(
  "every TypeScript block in the README compiles",
  () => {
    // Beside the examples, so a block's relative imports resolve as a user's would.
    const problems = typeCheck(Object.fromEntries(blocks.map((text, i) => [`readme-block-${i + 1}.ts`, text])));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.text}`)).toEqual([]);
  },
  TYPE_CHECK_TIMEOUT_MS,
);
