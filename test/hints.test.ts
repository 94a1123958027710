import { describe, expect, it } from "vitest";
import { oneLineExcerpt, saysWrongTokenKind } from "../src/http/hints.js";

describe("oneLineExcerpt", () => {
  it("keeps what a page's body says, without its head, scripts, styles, comments or tags", () => {
    const page = `<!doctype html><html><head><title>Oops</title><style>p{color:red}</style></head>
      <body><!-- debug --><h1>502 Bad Gateway</h1><script>track()</script><p>nginx</p></body></html>`;
    expect(oneLineExcerpt(page)).toBe("502 Bad Gateway nginx");
  });

  it("falls back on the title when the body says nothing", () => {
    expect(oneLineExcerpt("<html><head><title>Sign in</title></head><body></body></html>")).toBe("Sign in");
  });

  it("escaped markup does not come back as tags; a long page is cut to one short line", () => {
    expect(oneLineExcerpt("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>")).toBe(
      "‹script›alert(1)‹/script› & more",
    );
    const excerpt = oneLineExcerpt(`<body>${"word ".repeat(500)}</body>`);
    expect(excerpt.length).toBeLessThanOrEqual(160);
    expect(excerpt.endsWith("…")).toBe(true);
  });
});

describe("saysWrongTokenKind", () => {
  it("tells a wrong kind of token from other refusals", () => {
    expect(saysWrongTokenKind("this call needs a worker token, not an admin token.")).toBe(true);
    expect(saysWrongTokenKind("this call needs the admin token, not a worker token.")).toBe(true);
    expect(saysWrongTokenKind("worker paused")).toBe(false);
    expect(saysWrongTokenKind("forbidden")).toBe(false);
  });
});
