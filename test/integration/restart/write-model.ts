// The oracle of kill-during-writes.test.ts: actors that each own one piece of the switch's
// configuration, plan random REST writes to it and predict, exactly, the configuration after
// each write and the body the daemon answers with.
//
// Design: an actor is the only writer of its object and issues one write at a time (the next
// only after the previous was answered), so per object there is a total order of writes and at
// most one write in flight when the daemon dies. Objects:
//
//   BridgeActor  "kN"            a whole bridge it creates, changes and deletes: settings, its
//                                ports kNp0..kNp3 (ofports requested or left to the bridge),
//                                static MACs on those ports (dropped when their port goes)
//   PortActor    "qN" / "lo"     one port that lives on one of the shared bridges (which one
//                                changes: delete, then add on the other); ofports from its own
//                                range so actors never collide; "lo" is a `system` port on the
//                                host's lo, the others are `tap` ports
//   SettingsActor "shN"          the failMode / MAC aging / table size of shared bridge shN,
//                                whose ports belong to the PortActors: every port write and
//                                every settings write is a read-modify-write of the same stored
//                                bridge, so a lost update in the daemon shows up here
//
// Every write sends a fully determined request (VLAN mode with its tag and trunks, explicit
// admin state), so the predicted state follows from the request and the actor's state alone;
// the only rule modelled is the bridge's choice of the lowest free ofport when none is asked
// for, and the API's defaults (aging 300 s, table 8192, access when only a tag is given).
// Each 2xx body is compared with the prediction, so the oracle is itself checked on every
// acknowledged write.

import { isDeepStrictEqual } from "node:util";

export type VlanMode = "trunk" | "access" | "native-tagged" | "native-untagged";
export type FailMode = "standalone" | "secure";

export interface PortView {
  name: string;
  type: "tap" | "system";
  ofport: number;
  vlanMode: VlanMode;
  tag?: number;
  trunks: number[];
  adminDown: boolean;
  options: Record<string, string>;
}

export interface StaticMacView {
  vlan: number;
  mac: string;
  port: string;
}

export interface BridgeView {
  name: string;
  failMode: FailMode;
  macAgingSeconds: number;
  macTableSize: number;
  datapathId: string;
  controllers: string[];
  ports: PortView[];
  staticMacs: StaticMacView[];
}

export interface Settings {
  failMode: FailMode;
  macAgingSeconds: number;
  macTableSize: number;
}

export interface PlacedPort {
  bridge: string;
  port: PortView;
}

/** One planned REST write and what it must do. */
export interface Planned<S> {
  method: "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  /** The object's state once this write is applied. */
  after: S;
  status: number;
  /** Returns what is wrong with a 2xx body, or undefined. */
  checkBody(body: unknown): string | undefined;
  /** Short description for reports. */
  what: string;
}

export type Rand = () => number;

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): Rand {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const byOfport = (a: PortView, b: PortView) => a.ofport - b.ofport;

function equalBody(expected: unknown): (body: unknown) => string | undefined {
  return (body) =>
    isDeepStrictEqual(body, expected)
      ? undefined
      : `body ${JSON.stringify(body)} != predicted ${JSON.stringify(expected)}`;
}

interface VlanFields {
  vlanMode?: VlanMode;
  tag?: number;
  trunks: number[];
}

/** Random VLAN settings that are valid for the mode, fully specified. */
function randomVlan(r: Rand): VlanFields {
  const mode = pick(r, ["access", "access", "trunk", "native-tagged", "native-untagged"] as const);
  const tag = int(r, 1, 4094);
  const trunks = [...new Set(Array.from({ length: int(r, 0, 4) }, () => int(r, 1, 4094)))].sort((x, y) => x - y);
  switch (mode) {
    case "access":
      // Half the time leave vlanMode out: a tag alone means access.
      return r() < 0.5 ? { tag, trunks: [] } : { vlanMode: "access", tag, trunks: [] };
    case "trunk":
      return { vlanMode: "trunk", trunks };
    default:
      return { vlanMode: mode, tag, trunks };
  }
}

function portAfterVlan(old: PortView, v: VlanFields): PortView {
  const vlanMode = v.vlanMode ?? "access";
  const next: PortView = { ...old, vlanMode, trunks: [...v.trunks] };
  if (v.tag === undefined) delete next.tag;
  else next.tag = v.tag;
  return next;
}

function randomTapOptions(r: Rand): Record<string, string> {
  return r() < 0.3 ? { mtu: String(int(r, 68, 9000)) } : {};
}

function newPort(r: Rand, name: string, type: "tap" | "system", ofport: number): { body: object; port: PortView } {
  const v = randomVlan(r);
  const adminDown = r() < 0.2;
  const options = type === "tap" ? randomTapOptions(r) : {};
  const port = portAfterVlan({ name, type, ofport, vlanMode: "trunk", trunks: [], adminDown, options }, v);
  const body: Record<string, unknown> = { name, type, ...v, adminDown };
  if (ofport !== 0) body.ofport = ofport;
  if (Object.keys(options).length > 0 || r() < 0.2) body.options = options;
  return { body, port };
}

/** A PATCH of a port: VLAN settings, admin state, sometimes options and ofport. */
function patchPort(r: Rand, old: PortView, freeOfport: () => number | undefined): { body: object; port: PortView } {
  const body: Record<string, unknown> = {};
  let port = { ...old, trunks: [...old.trunks], options: { ...old.options } };
  if (r() < 0.85) {
    const v = randomVlan(r);
    // An update without vlanMode keeps the port's mode: a bare tag is only "access" on an access port.
    if (v.vlanMode === undefined && old.vlanMode !== "access") v.vlanMode = "access";
    Object.assign(body, v);
    port = portAfterVlan(port, v);
  }
  if (r() < 0.4) {
    body.adminDown = r() < 0.5;
    port.adminDown = body.adminDown as boolean;
  }
  if (old.type === "tap" && r() < 0.2) {
    port.options = randomTapOptions(r);
    body.options = port.options;
  }
  if (r() < 0.25) {
    const o = freeOfport();
    if (o !== undefined) {
      body.ofport = o;
      port.ofport = o;
    }
  }
  if (Object.keys(body).length === 0) {
    body.adminDown = !old.adminDown;
    port.adminDown = !old.adminDown;
  }
  return { body, port };
}

function randomSettingsPatch(r: Rand): Partial<Settings> {
  const p: Partial<Settings> = {};
  if (r() < 0.5) p.failMode = pick(r, ["standalone", "secure"] as const);
  if (r() < 0.6) p.macAgingSeconds = int(r, 1, 100_000);
  if (r() < 0.4) p.macTableSize = int(r, 1, 100_000);
  if (Object.keys(p).length === 0) p.macAgingSeconds = int(r, 1, 100_000);
  return p;
}

export interface Actor<S> {
  readonly key: string;
  /** The state the daemon must hold unless the in-flight write landed. */
  state: S;
  plan(r: Rand): Planned<S>;
}

export class BridgeActor implements Actor<BridgeView | null> {
  readonly key: string;
  state: BridgeView | null = null;

  constructor(readonly name: string) {
    this.key = `bridge ${name}`;
  }

  plan(r: Rand): Planned<BridgeView | null> {
    const b = this.state;
    const base = `/bridges/${this.name}`;
    if (b === null) {
      const body: Record<string, unknown> = { name: this.name };
      if (r() < 0.5) body.failMode = pick(r, ["standalone", "secure"] as const);
      if (r() < 0.5) body.macAgingSeconds = int(r, 1, 100_000);
      if (r() < 0.5) body.macTableSize = int(r, 1, 100_000);
      const after: BridgeView = {
        name: this.name,
        failMode: (body.failMode as FailMode | undefined) ?? "standalone",
        macAgingSeconds: (body.macAgingSeconds as number | undefined) ?? 300,
        macTableSize: (body.macTableSize as number | undefined) ?? 8192,
        datapathId: "0000000000000000",
        controllers: [],
        ports: [],
        staticMacs: [],
      };
      return {
        method: "POST",
        path: "/bridges",
        body,
        after,
        status: 201,
        checkBody: equalBody(after),
        what: "create bridge",
      };
    }
    const x = r();
    if (x < 0.06) {
      return { method: "DELETE", path: base, after: null, status: 200, checkBody: equalBody(b), what: "delete bridge" };
    }
    if (x < 0.16) {
      const patch = randomSettingsPatch(r);
      const after = { ...structuredClone(b), ...patch };
      return {
        method: "PATCH",
        path: base,
        body: patch,
        after,
        status: 200,
        checkBody: equalBody(after),
        what: "patch bridge",
      };
    }
    if (x < 0.26 && b.ports.length > 0) {
      if (b.staticMacs.length > 0 && r() < 0.4) {
        const e = pick(r, b.staticMacs);
        const after = structuredClone(b);
        after.staticMacs = after.staticMacs.filter((s) => !(s.vlan === e.vlan && s.mac === e.mac));
        return {
          method: "DELETE",
          path: `${base}/fdb/${e.vlan}/${e.mac}`,
          after,
          status: 200,
          checkBody: equalBody(e),
          what: "delete static mac",
        };
      }
      let e: StaticMacView;
      do {
        const bytes = Array.from({ length: 4 }, () => int(r, 0, 255).toString(16).padStart(2, "0"));
        e = { vlan: int(r, 1, 4094), mac: `02:00:${bytes.join(":")}`, port: pick(r, b.ports).name };
      } while (b.staticMacs.some((s) => s.vlan === e.vlan && s.mac === e.mac));
      const after = structuredClone(b);
      after.staticMacs.push(e);
      // Upper-case on the wire: the daemon stores the normalized form.
      const body = { ...e, mac: e.mac.toUpperCase() };
      return {
        method: "POST",
        path: `${base}/fdb`,
        body,
        after,
        status: 201,
        checkBody: equalBody(e),
        what: "add static mac",
      };
    }
    const slot = `${this.name}p${int(r, 0, 3)}`;
    const used = new Set(b.ports.map((p) => p.ofport));
    const old = b.ports.find((p) => p.name === slot);
    if (old === undefined) {
      // Ask for an ofport half the time; otherwise the bridge picks the lowest free one.
      let ofport = 0;
      if (r() < 0.5) {
        do ofport = int(r, 1, 16);
        while (used.has(ofport));
      }
      let assigned = ofport;
      if (assigned === 0) for (assigned = 1; used.has(assigned); assigned++);
      const { body, port } = newPort(r, slot, "tap", ofport);
      port.ofport = assigned;
      const after = structuredClone(b);
      after.ports = [...after.ports, port].sort(byOfport);
      return {
        method: "POST",
        path: `${base}/ports`,
        body,
        after,
        status: 201,
        checkBody: equalBody(port),
        what: "add port",
      };
    }
    if (r() < 0.3) {
      const after = structuredClone(b);
      after.ports = after.ports.filter((p) => p.name !== slot);
      after.staticMacs = after.staticMacs.filter((s) => s.port !== slot);
      return {
        method: "DELETE",
        path: `${base}/ports/${slot}`,
        after,
        status: 200,
        checkBody: equalBody(old),
        what: "delete port",
      };
    }
    const free = () => {
      const candidates = Array.from({ length: 16 }, (_, i) => i + 1).filter((o) => !used.has(o));
      return candidates.length > 0 ? pick(r, candidates) : undefined;
    };
    const { body, port } = patchPort(r, old, free);
    const after = structuredClone(b);
    after.ports = after.ports.map((p) => (p.name === slot ? port : p)).sort(byOfport);
    return {
      method: "PATCH",
      path: `${base}/ports/${slot}`,
      body,
      after,
      status: 200,
      checkBody: equalBody(port),
      what: "patch port",
    };
  }
}

export class PortActor implements Actor<PlacedPort | null> {
  readonly key: string;
  state: PlacedPort | null = null;

  /** Owns port `name` (type from the name: "lo" is system) with ofports firstOfport..+9. */
  constructor(
    readonly name: string,
    private readonly bridges: readonly string[],
    private readonly firstOfport: number,
  ) {
    this.key = `port ${name}`;
  }

  plan(r: Rand): Planned<PlacedPort | null> {
    const s = this.state;
    const type = this.name === "lo" ? "system" : "tap";
    const ofport = () => this.firstOfport + int(r, 0, 9);
    if (s === null) {
      const bridge = pick(r, this.bridges);
      const { body, port } = newPort(r, this.name, type, ofport());
      return {
        method: "POST",
        path: `/bridges/${bridge}/ports`,
        body,
        after: { bridge, port },
        status: 201,
        checkBody: equalBody(port),
        what: "add port",
      };
    }
    const path = `/bridges/${s.bridge}/ports/${this.name}`;
    if (r() < 0.25) {
      return { method: "DELETE", path, after: null, status: 200, checkBody: equalBody(s.port), what: "delete port" };
    }
    const { body, port } = patchPort(r, s.port, ofport);
    return {
      method: "PATCH",
      path,
      body,
      after: { bridge: s.bridge, port },
      status: 200,
      checkBody: equalBody(port),
      what: "patch port",
    };
  }
}

export class SettingsActor implements Actor<Settings> {
  readonly key: string;

  constructor(
    readonly bridge: string,
    public state: Settings,
  ) {
    this.key = `settings ${bridge}`;
  }

  plan(r: Rand): Planned<Settings> {
    const patch = randomSettingsPatch(r);
    const after = { ...this.state, ...patch };
    return {
      method: "PATCH",
      path: `/bridges/${this.bridge}`,
      body: patch,
      after,
      status: 200,
      checkBody: (body) => {
        const got = settingsOf(body as BridgeView);
        return isDeepStrictEqual(got, after)
          ? undefined
          : `settings ${JSON.stringify(got)} != predicted ${JSON.stringify(after)}`;
      },
      what: "patch shared bridge",
    };
  }
}

export function settingsOf(b: BridgeView): Settings {
  return { failMode: b.failMode, macAgingSeconds: b.macAgingSeconds, macTableSize: b.macTableSize };
}
