// A tiny REST client for the restart tests: one call, its status and its parsed JSON body.
// A request that gets no response at all (the daemon was killed, the connection reset or was
// refused) rejects, so callers can tell "answered" from "no answer".

export interface RestReply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the callers
  json: any;
}

export async function rest(base: string, method: string, path: string, body?: unknown): Promise<RestReply> {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep the raw text: the caller's assertion shows it
  }
  return { status: res.status, json };
}

/** Like rest(), but throws unless the status is 2xx. */
export async function restOk(base: string, method: string, path: string, body?: unknown): Promise<RestReply> {
  const r = await rest(base, method, path, body);
  if (r.status < 200 || r.status >= 300) {
    throw new Error(`${method} ${path} ${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.json)}`);
  }
  return r;
}
