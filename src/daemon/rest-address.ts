// What: parsing of the REST listen address flag ("127.0.0.1:8080", "[::1]:8080", port 0 =
// any free port).
//
// Threading: pure.

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses HOST:PORT; throws an Error whose message names the bad value. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || port > 65535) {
    throw new Error(`REST address "${text}" is not HOST:PORT (e.g. 127.0.0.1:8080; port 0 picks a free one)`);
  }
  return { host: m[1] ?? m[2], port };
}

/** The base URL clients use for a bound address. */
export function restUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
