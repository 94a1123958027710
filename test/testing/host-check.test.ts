import { expect, test } from "vitest";
import { allowedHosts, refuseHost } from "../../src/testing/host-check.js";

test("a listener answers its own address and localhost, with its port", () => {
  expect([...allowedHosts("127.0.0.1", "IPv4", 8787)]).toEqual(["127.0.0.1:8787", "localhost:8787"]);
  expect([...allowedHosts("::1", "IPv6", 9000)]).toEqual(["[::1]:9000", "localhost:9000"]);
  // On port 80 a browser leaves the port out.
  expect(allowedHosts("127.0.0.1", "IPv4", 80).has("localhost")).toBe(true);
});

test("any other Host is refused with a message that names what was expected and what came", () => {
  const allowed = allowedHosts("127.0.0.1", "IPv4", 8787);
  expect(refuseHost("127.0.0.1:8787", allowed)).toBeUndefined();
  expect(refuseHost("LocalHost:8787", allowed)).toBeUndefined();
  expect(refuseHost("127.0.0.1:8788", allowed)).toContain('got Host "127.0.0.1:8788"');
  expect(refuseHost("localhost", allowed)).toBeDefined();
  expect(refuseHost("evil.example:8787", allowed)).toMatch(
    /^the local coordinator answers only requests addressed to 127\.0\.0\.1:8787 or localhost:8787; got Host "evil\.example:8787"\./,
  );
  expect(refuseHost(undefined, allowed)).toContain("got no Host header");
});
