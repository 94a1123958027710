import { defineConfig } from "tsup";

// No source maps: the output is unminified, readable JavaScript whose stack frames already
// name the SDK's functions, and the maps were two thirds of the tarball.
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      "testing/index": "src/testing/index.ts",
      "testing/msw": "src/testing/msw.ts",
      opentelemetry: "src/opentelemetry.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: false,
    // The two builds run side by side: this one's clean must spare the CLI's output.
    clean: ["!cli.js"],
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
  },
  {
    // The CLI is run, never imported: one ES module, no CommonJS twin, no types.
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    dts: false,
    sourcemap: false,
    clean: false,
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
  },
]);
