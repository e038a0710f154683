// OpenFlow framing: a byte stream in, whole messages out; whole messages in, a paced socket out.
//
// What: FrameSplitter cuts the bytes a stream socket delivers into whole OpenFlow messages using
//   the 16-bit length field of each 8-byte header. FrameWriter writes encoded messages to the
//   socket and applies backpressure: while more than `highWaterMark` bytes wait in the socket's
//   write buffer it pauses READING from the peer (a peer that does not read our replies must not
//   make us buffer replies to its requests without bound), and resumes on 'drain'.
//
// Design: the splitter keeps at most one partial message. A message wholly inside a chunk is
//   returned as a view into that chunk (no copy); a message spread over chunks is assembled into
//   one buffer of its exact length, allocated once its header is known — so a 64 KB message in
//   1-byte reads costs one allocation, not a quadratic concat.
//
//   splitter state:   HEADER(0..7 bytes of a header)  ──length ≥ 8──►  BODY(len, filled)
//                          ▲                                               │ filled == len
//                          └───────────────── emit message ◄──────────────┘
//                     HEADER ──length < 8──► BROKEN (every later push returns nothing)
//
// Invariants:
//   - every returned frame has frame.length === its header's length field, 8 ≤ length ≤ 65535
//     (a 16-bit field cannot say more, so "too long" cannot happen on the wire);
//   - frames are returned in stream order, none is lost or duplicated across chunk boundaries;
//   - a length < 8 cannot be skipped (the stream has no resync point): the splitter reports it
//     once, with the offending header bytes, and stays BROKEN; the channel answers and closes.
//   - returned views alias the pushed chunk: the caller must not mutate or reuse pushed chunks
//     (node's socket hands out a fresh Buffer per read, so the channel never does).
// Threading: main thread only; one splitter and one writer per connection.

import type { Duplex } from "node:stream";
import { OFP_HEADER_LEN } from "../constants.ts";

/** A header whose length field is below the 8-byte minimum: the stream cannot be resynchronized. */
export interface FramingError {
  /** The offending 8 header bytes (the only bytes of the "message" that exist). */
  header: Uint8Array;
  length: number;
  xid: number;
}

export interface SplitResult {
  frames: Uint8Array[];
  /** Set once, on the push that met the bad header; frames before it are still delivered. */
  error?: FramingError;
}

export class FrameSplitter {
  private readonly head = new Uint8Array(OFP_HEADER_LEN);
  private headFilled = 0;
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private broken = false;

  /** Bytes held for an incomplete message (for tests and stats). */
  get pendingBytes(): number {
    return this.body ? this.bodyFilled : this.headFilled;
  }

  get isBroken(): boolean {
    return this.broken;
  }

  push(chunk: Uint8Array): SplitResult {
    const frames: Uint8Array[] = [];
    if (this.broken) return { frames };
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.body) {
        const take = Math.min(this.body.length - this.bodyFilled, n - off);
        this.body.set(chunk.subarray(off, off + take), this.bodyFilled);
        this.bodyFilled += take;
        off += take;
        if (this.bodyFilled === this.body.length) {
          frames.push(this.body);
          this.body = null;
          this.bodyFilled = 0;
        }
        continue;
      }
      if (this.headFilled === 0 && n - off >= OFP_HEADER_LEN) {
        // Fast path: the header is whole inside this chunk.
        const len = (chunk[off + 2] << 8) | chunk[off + 3];
        if (len < OFP_HEADER_LEN) return this.fail(frames, chunk.slice(off, off + OFP_HEADER_LEN));
        if (n - off >= len) {
          frames.push(chunk.subarray(off, off + len));
          off += len;
        } else {
          this.body = new Uint8Array(len);
          this.body.set(chunk.subarray(off, n));
          this.bodyFilled = n - off;
          off = n;
        }
        continue;
      }
      // Slow path: a header split across chunks.
      const take = Math.min(OFP_HEADER_LEN - this.headFilled, n - off);
      this.head.set(chunk.subarray(off, off + take), this.headFilled);
      this.headFilled += take;
      off += take;
      if (this.headFilled < OFP_HEADER_LEN) break;
      this.headFilled = 0;
      const len = (this.head[2] << 8) | this.head[3];
      if (len < OFP_HEADER_LEN) return this.fail(frames, this.head.slice());
      this.body = new Uint8Array(len);
      this.body.set(this.head);
      this.bodyFilled = OFP_HEADER_LEN;
      if (len === OFP_HEADER_LEN) {
        frames.push(this.body);
        this.body = null;
        this.bodyFilled = 0;
      }
    }
    return { frames };
  }

  private fail(frames: Uint8Array[], header: Uint8Array): SplitResult {
    this.broken = true;
    this.body = null;
    this.headFilled = 0;
    const v = new DataView(header.buffer, header.byteOffset, header.byteLength);
    return { frames, error: { header, length: v.getUint16(2), xid: v.getUint32(4) } };
  }
}

export interface FrameWriterOptions {
  /** Pause reading from the peer while more than this many bytes wait to be written. */
  highWaterMark?: number;
  /**
   * Above this many queued bytes, `droppable` writes (unsolicited async messages such as
   * PACKET_IN) are dropped and counted instead of queued — OVS's rconn does the same.
   */
  dropAbove?: number;
  /**
   * Called when the write buffer crosses the high-water mark (true) and when it drains (false).
   * Default: pause / resume reading on the socket itself.
   */
  onBackpressure?: (full: boolean) => void;
}

export const FRAME_WRITER_DEFAULTS = { highWaterMark: 1 << 20, dropAbove: 4 << 20 } as const;

/** Writes whole messages to a socket; pauses the socket's reading while its write buffer is full. */
export class FrameWriter {
  readonly highWaterMark: number;
  readonly dropAbove: number;
  /** Messages dropped because the peer was not reading (droppable writes only). */
  dropped = 0;
  written = 0;
  private readPaused = false;
  private closed = false;
  private readonly onBackpressure: (full: boolean) => void;

  constructor(
    private readonly socket: Duplex,
    opts: FrameWriterOptions = {},
  ) {
    this.highWaterMark = opts.highWaterMark ?? FRAME_WRITER_DEFAULTS.highWaterMark;
    this.dropAbove = opts.dropAbove ?? FRAME_WRITER_DEFAULTS.dropAbove;
    this.onBackpressure =
      opts.onBackpressure ??
      ((full) => {
        if (full) socket.pause();
        else if (!socket.destroyed) socket.resume();
      });
    socket.on("drain", () => this.onDrain());
  }

  /** Bytes accepted but not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /** True while reading is paused by backpressure. */
  get isReadPaused(): boolean {
    return this.readPaused;
  }

  /**
   * Queues one encoded message. Returns false if it was not queued (socket closed, or a
   * droppable message while the peer is far behind). Never throws.
   */
  write(frame: Uint8Array, droppable = false): boolean {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return false;
    if (droppable && this.socket.writableLength >= this.dropAbove) {
      this.dropped++;
      return false;
    }
    const below = this.socket.write(frame);
    this.written++;
    // Pause only when a 'drain' is guaranteed to follow (write() returned false), so reading
    // always resumes: with a high-water mark below the socket's own, the socket's one wins.
    if (!below && this.socket.writableLength > this.highWaterMark && !this.readPaused) {
      this.readPaused = true;
      this.onBackpressure(true);
    }
    return true;
  }

  /** Holds written frames in the socket until the matching uncork() (pairs nest). */
  cork(): void {
    if (!this.closed && !this.socket.destroyed) this.socket.cork();
  }

  uncork(): void {
    if (!this.socket.destroyed) this.socket.uncork();
  }

  /** Runs `fn` with the socket corked so the replies to one read leave in as few writes as possible. */
  batch(fn: () => void): void {
    if (this.closed || this.socket.destroyed) {
      fn();
      return;
    }
    this.socket.cork();
    try {
      fn();
    } finally {
      // uncork on the next tick would delay small replies; uncork now.
      if (!this.socket.destroyed) this.socket.uncork();
    }
  }

  close(): void {
    this.closed = true;
  }

  private onDrain(): void {
    if (this.readPaused && this.socket.writableLength <= this.highWaterMark) {
      this.readPaused = false;
      if (!this.closed && !this.socket.destroyed) this.onBackpressure(false);
    }
  }
}
