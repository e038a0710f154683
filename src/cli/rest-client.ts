// What: the CLI's client of the REST API v1: one request function that returns the decoded JSON
// body or throws a DaemonError carrying the daemon's own message.
//
// Design: Node's global fetch against --server (default http://127.0.0.1:8080). A non-2xx answer
// is an error body {error, message} by the API's contract; its message is shown to the user
// verbatim. A daemon that cannot be reached is reported with the URL and the socket error.
//
// Threading: main thread; one request at a time per command.

export const DEFAULT_SERVER = "http://127.0.0.1:8080";

/** The daemon rejected the request (or could not be reached); `message` is for the user as is. */
export class DaemonError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(message: string, code: string, status: number) {
    super(message);
    this.name = "DaemonError";
    this.code = code;
    this.status = status;
  }
}

export interface RestClient {
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Path segment with reserved characters escaped. */
export function seg(value: string | number): string {
  return encodeURIComponent(String(value));
}

export function restClient(server: string): RestClient {
  const base = server.replace(/\/+$/, "");
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const url = `${base}/v1${path}`;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (err as Error).message;
        throw new DaemonError(`cannot reach the wasmvs daemon at ${base}: ${why}`, "UNREACHABLE", 0);
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (!res.ok) {
        const e = json as { error?: string; message?: string } | undefined;
        throw new DaemonError(e?.message ?? `HTTP ${res.status} ${res.statusText}`, e?.error ?? "HTTP", res.status);
      }
      return json as T;
    },
  };
}
