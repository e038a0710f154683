// Every OpenFlow byte a test exchanges with the running switch, kept for tshark: its passive TCP
// listener captured on lo (dumpcap, filtered by its port) and its punix socket reached through
// a recording proxy (a unix socket cannot be sniffed; the proxy passes the bytes untouched and
// writes them as a pcap with synthetic TCP framing).
//
// What: `OfRecording.start(dir, tcpPort, mgmtPath)` starts both; `unixTarget` is the
//   `unix:` target ovs-ofctl should use instead of the real socket; `finish()` stops both and
//   returns the dissection of each file (test/support/openflow-dissect.ts) with dumpcap's drop
//   count and the number of messages the proxy passed.
// Invariants: after finish() or stop() no capture process or proxy socket is left.

import { join } from "node:path";
import { type DissectedSegment, dissectOpenflow, LoCapture } from "../../support/openflow-dissect.ts";
import { PcapRecorder } from "../../support/pcap-recorder.ts";
import { UnixRecordingProxy } from "./of-splice.ts";

/** The server port the unix exchanges carry in the synthetic pcap. */
export const RECORDED_UNIX_PORT = 6653;

export interface OfDissection {
  tcp: DissectedSegment[];
  unix: DissectedSegment[];
  /** Packets dumpcap dropped (must be 0 for the TCP dissection to be complete). */
  dropped: number;
  /** OpenFlow messages that crossed the unix proxy, both directions. */
  unixMessages: number;
}

export class OfRecording {
  private done?: Promise<OfDissection>;

  private constructor(
    private readonly dir: string,
    private readonly tcpPort: number,
    private readonly capture: LoCapture,
    private readonly proxy: UnixRecordingProxy,
  ) {}

  static async start(dir: string, tcpPort: number, mgmtPath: string): Promise<OfRecording> {
    const capture = await LoCapture.start(join(dir, "tcp.pcapng"), [tcpPort]);
    try {
      const recorder = new PcapRecorder(join(dir, "unix.pcap"));
      const proxy = await UnixRecordingProxy.listen(join(dir, "rec.mgmt"), mgmtPath, recorder, RECORDED_UNIX_PORT);
      return new OfRecording(dir, tcpPort, capture, proxy);
    } catch (e) {
      await capture.stop().catch(() => {});
      throw e;
    }
  }

  get unixTarget(): string {
    return `unix:${this.proxy.path}`;
  }

  /** Stops recording and dissects both files (once; later calls return the same result). */
  finish(): Promise<OfDissection> {
    this.done ??= (async () => {
      const { dropped } = await this.capture.stop();
      await this.proxy.close();
      return {
        tcp: await dissectOpenflow(join(this.dir, "tcp.pcapng"), [this.tcpPort]),
        unix: await dissectOpenflow(join(this.dir, "unix.pcap"), [RECORDED_UNIX_PORT]),
        dropped,
        unixMessages: this.proxy.messages,
      };
    })();
    return this.done;
  }

  /** Stops without dissecting (clean-up after a failure). */
  async stop(): Promise<void> {
    await this.capture.stop().catch(() => {});
    await this.proxy.close().catch(() => {});
  }
}
