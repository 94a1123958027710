/**
 * The `Host` header check of the HTTP listener: a page on another site can
 * point its own name at 127.0.0.1 (DNS rebinding) and then read what the
 * local coordinator serves without a token (the console, artifacts, the
 * one-time token view). The browser still sends that site's name as `Host`,
 * so only the listener's own loopback address and `localhost` are answered.
 */

/** The `Host` values a listener bound to `address:port` answers. */
export function allowedHosts(address: string, family: string, port: number): ReadonlySet<string> {
  const literal = family === "IPv6" ? `[${address}]` : address;
  const names = [literal, "localhost"];
  const hosts = new Set(names.map((name) => `${name}:${port}`));
  // A client leaves out the port when it is the scheme's default.
  if (port === 80) for (const name of names) hosts.add(name);
  return hosts;
}

/** Why a request's `Host` is refused, or undefined when it is one of `allowed`. */
export function refuseHost(host: string | undefined, allowed: ReadonlySet<string>): string | undefined {
  if (host !== undefined && allowed.has(host.toLowerCase())) return undefined;
  const expected = [...allowed].join(" or ");
  const got = host === undefined ? "no Host header" : `Host ${JSON.stringify(host)}`;
  return `the local coordinator answers only requests addressed to ${expected}; got ${got}. Use the URL it printed (a page on another site cannot reach it through a DNS name that points at 127.0.0.1).`;
}
