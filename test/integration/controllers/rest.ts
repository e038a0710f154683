// REST calls the controller integration tests make against a running daemon.

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the assertions
  body: any;
}

export async function rest(url: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${url}/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

export interface ControllerView {
  target: string;
  mode: string;
  state: string;
  connected: boolean;
  bound?: string;
  lastError?: string;
  connections: { peer: string; role: string }[];
}

/** GET …/controllers → the per-target views. */
export async function controllers(url: string, bridge: string): Promise<ControllerView[]> {
  const r = await rest(url, "GET", `/bridges/${bridge}/controllers`);
  if (r.status !== 200) throw new Error(`GET controllers: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.controllers as ControllerView[];
}
