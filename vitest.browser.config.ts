// `npm run test:console`: the web console in a real Chromium. Apart from the unit tests, as it needs the browser.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  resolve: base.resolve ?? {},
  test: {
    include: ["test/browser/**/*.spec.ts"],
    environment: "node",
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // A loaded CI machine may take seconds to repaint: generous bounds, no timing asserted.
    expect: { poll: { timeout: 20_000, interval: 50 } },
  },
});
