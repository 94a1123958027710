import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests and examples import the package by its published name, served from source.
    alias: [
      { find: /^modelreins-worker\/testing\/msw$/, replacement: src("testing/msw.ts") },
      { find: /^modelreins-worker\/opentelemetry$/, replacement: src("opentelemetry.ts") },
      { find: /^modelreins-worker\/testing$/, replacement: src("testing/index.ts") },
      { find: /^modelreins-worker$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
