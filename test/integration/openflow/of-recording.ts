// Every OpenFlow byte a test exchanges with the running switch, kept for tshark and for
// wasmvs's own codec: its passive TCP listener captured on lo (dumpcap, filtered by its port),
// its punix socket reached through a recording proxy (a unix socket cannot be sniffed; the
// proxy passes the bytes untouched and writes them as a pcap with synthetic TCP framing), and,
// when a test adds them, the TCP ports of controllers the switch dials (a second dumpcap).
//
// What: `OfRecording.start(dir, tcpPort, mgmtPath)` starts the first two; `unixTarget` is the
//   `unix:` target ovs-ofctl should use instead of the real socket; `alsoCapture(ports)` adds a
//   capture of more TCP ports (controllers the switch dials, known only once they listen);
//   `finish()` stops everything and returns the dissection of each file
//   (test/support/openflow-dissect.ts) with dumpcap's drop count, the number of messages the
//   proxy passed, and the decode/re-encode check (test/support/openflow-roundtrip.ts) of every
//   message: live in the proxy for the unix side, from the capture files for TCP.
//   `expectCleanRecording(rec)` is the assertion every recording test ends with.
// Invariants: after finish() or stop() no capture process or proxy socket is left.

import { cpSync } from "node:fs";
import { basename, join } from "node:path";
import { expect } from "vitest";
import { type DissectedSegment, dissectOpenflow, LoCapture, openflowProblems } from "../../support/openflow-dissect.ts";
import { RoundTripCheck, roundTripCapture } from "../../support/openflow-roundtrip.ts";
import { PcapRecorder } from "../../support/pcap-recorder.ts";
import { UnixRecordingProxy } from "./of-splice.ts";

/** The server port the unix exchanges carry in the synthetic pcap. */
export const RECORDED_UNIX_PORT = 6653;

export interface OfDissection {
  tcp: DissectedSegment[];
  unix: DissectedSegment[];
  /** Segments of the extra captures (alsoCapture): connections the switch dialled. */
  controllers: DissectedSegment[];
  /** Packets dumpcap dropped (must be 0 for the TCP dissection to be complete). */
  dropped: number;
  /** OpenFlow messages that crossed the unix proxy, both directions. */
  unixMessages: number;
  /** Every recorded 1.3 message decoded and re-encoded by openflow/message.ts. */
  roundTrip: RoundTripCheck;
}

interface ExtraCapture {
  file: string;
  ports: number[];
  capture: LoCapture;
}

export class OfRecording {
  private done?: Promise<OfDissection>;
  private readonly extra: ExtraCapture[] = [];

  private constructor(
    private readonly dir: string,
    private readonly tcpPort: number | undefined,
    private readonly capture: LoCapture | undefined,
    private readonly proxy: UnixRecordingProxy,
    private readonly roundTrip: RoundTripCheck,
  ) {}

  /** `tcpPort` undefined: a switch without a TCP listener (only its punix socket is recorded). */
  static async start(dir: string, tcpPort: number | undefined, mgmtPath: string): Promise<OfRecording> {
    const capture = tcpPort === undefined ? undefined : await LoCapture.start(join(dir, "tcp.pcapng"), [tcpPort]);
    try {
      const recorder = new PcapRecorder(join(dir, "unix.pcap"));
      const roundTrip = new RoundTripCheck();
      const proxy = await UnixRecordingProxy.listen(
        join(dir, "rec.mgmt"),
        mgmtPath,
        recorder,
        RECORDED_UNIX_PORT,
        (m, direction) => roundTrip.check(m, `unix proxy ${direction}`),
      );
      return new OfRecording(dir, tcpPort, capture, proxy, roundTrip);
    } catch (e) {
      await capture?.stop().catch(() => {});
      throw e;
    }
  }

  get unixTarget(): string {
    return `unix:${this.proxy.path}`;
  }

  /** Messages that crossed the unix proxy so far, per connection and direction. */
  unixExchanges(): Array<{ toServer: number; toClient: number }> {
    return this.proxy.connections.map((c) => ({ toServer: c.forward.messages, toClient: c.backward.messages }));
  }

  /** Captures `ports` too (controllers the switch dials), from now until finish(). */
  async alsoCapture(ports: number[]): Promise<void> {
    if (this.done) throw new Error("the recording is finished");
    const file = join(this.dir, `extra-${this.extra.length}.pcapng`);
    this.extra.push({ file, ports, capture: await LoCapture.start(file, ports) });
  }

  /** Stops recording and dissects every file (once; later calls return the same result). */
  finish(): Promise<OfDissection> {
    this.done ??= (async () => {
      let dropped = this.capture ? (await this.capture.stop()).dropped : 0;
      for (const x of this.extra) dropped += (await x.capture.stop()).dropped;
      await this.proxy.close();
      const keep = process.env.WVS_KEEP_RECORDING; // a directory: keep the files for a look
      if (keep)
        cpSync(this.dir, join(keep, basename(this.dir)), { recursive: true, filter: (f) => !f.includes("/state") });
      const tcpFile = join(this.dir, "tcp.pcapng");
      const tcp = this.tcpPort === undefined ? [] : await dissectOpenflow(tcpFile, [this.tcpPort]);
      if (this.tcpPort !== undefined) await roundTripCapture(tcpFile, [this.tcpPort], this.roundTrip);
      const controllers: DissectedSegment[] = [];
      for (const x of this.extra) {
        controllers.push(...(await dissectOpenflow(x.file, x.ports)));
        await roundTripCapture(x.file, x.ports, this.roundTrip);
      }
      return {
        tcp,
        unix: await dissectOpenflow(join(this.dir, "unix.pcap"), [RECORDED_UNIX_PORT]),
        controllers,
        dropped,
        unixMessages: this.proxy.messages,
        roundTrip: this.roundTrip,
      };
    })();
    return this.done;
  }

  /** Stops without dissecting (clean-up after a failure). */
  async stop(): Promise<void> {
    await this.capture?.stop().catch(() => {});
    for (const x of this.extra) await x.capture.stop().catch(() => {});
    await this.proxy.close().catch(() => {});
  }
}

/**
 * The rule every recording test ends with: dumpcap lost nothing; tshark dissects every byte of
 * every file as OpenFlow with zero malformed segments (the one excused complaint is in
 * openflowProblems); and every 1.3 message re-encodes byte for byte through
 * openflow/message.ts. (Comparing tshark's message count with the proxy's is left to tests
 * without ERRORs: tshark also counts the request an ERROR carries.)
 */
export function expectCleanRecording(rec: OfDissection): void {
  expect(rec.dropped).toBe(0);
  expect(openflowProblems(rec.tcp)).toEqual([]);
  expect(openflowProblems(rec.unix)).toEqual([]);
  expect(openflowProblems(rec.controllers)).toEqual([]);
  expect(rec.roundTrip.mismatches).toEqual([]);
  expect(rec.roundTrip.checked).toBeGreaterThan(0);
}
