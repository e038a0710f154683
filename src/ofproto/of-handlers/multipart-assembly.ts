// Reassembly of multipart requests sent as several messages (OFPMPF_REQ_MORE), per connection.
//
// What: MultipartAssembler.add(xid, flags, body, size) takes one MULTIPART_REQUEST part and
//   returns the whole request's body once its last part (REQ_MORE clear) arrived, undefined
//   while more are to come; it throws an OfpError (and forgets the request) when the request
//   cannot be assembled. One assembler per OpenFlow connection (multipart-handlers.ts).
// Design: as Open vSwitch's ofpmp_assembler (lib/ofp-msgs.c): parts are keyed by xid; a part
//   whose type differs from the earlier parts of its xid is BAD_REQUEST/BAD_MULTIPART (OVS:
//   BAD_STAT, the 1.0 name of the same code) and drops the request; past MAX_BUFFERED_BYTES
//   (OVS's 4 MiB; table features requests can be over 1 MB) the request is dropped with
//   BAD_REQUEST/MULTIPART_BUFFER_OVERFLOW, the code OpenFlow 1.3.5 gives for a multipart request
//   that overflowed the buffer assigned to it. Our limit counts every pending request of the
//   connection together, so a peer cannot hold more than 4 MiB by spreading parts over xids.
//   The parts' bodies are joined: TABLE_FEATURES concatenates its table lists, EXPERIMENTER its
//   data; for every other part the body is fixed (or empty) and, as in OVS, the first part's
//   body is the request's. (OVS also times a pending request out after 1 s with
//   MULTIPART_REQUEST_TIMEOUT, a code OpenFlow 1.3 does not have; we keep pending parts until
//   the connection goes, bounded by the byte limit.)
// Invariants: bytes() is the sum of the sizes of the parts held; a request is either pending,
//   answered (returned once) or refused (thrown once), never two of these.
// Threading: main thread; one assembler per connection.

import { BAD_REQUEST, OFPET, OfpError } from "../../../openflow/errors.ts";
import { type MultipartRequestBody, OFPMPF_REQ_MORE } from "../../../openflow/messages/multipart.ts";

/** Bytes of pending request parts one connection may hold (Open vSwitch: 4 MiB per request). */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface Pending {
  parts: MultipartRequestBody[];
  bytes: number;
}

export class MultipartAssembler {
  private readonly pending = new Map<number, Pending>();
  private held = 0;

  constructor(private readonly limit = MAX_BUFFERED_BYTES) {}

  /** Bytes of parts held for requests not yet complete. */
  bytes(): number {
    return this.held;
  }

  /**
   * Adds one part of `size` bytes (the whole message). Returns the request's body when this
   * was its last part, undefined when more parts are to come; throws OfpError when refused.
   */
  add(xid: number, flags: number, body: MultipartRequestBody, size: number): MultipartRequestBody | undefined {
    const more = (flags & OFPMPF_REQ_MORE) !== 0;
    let p = this.pending.get(xid);
    if (!p) {
      if (!more) return body; // the common case: a request in one message
      p = { parts: [], bytes: 0 };
      this.pending.set(xid, p);
    }
    if (p.parts.length > 0 && p.parts[0].part !== body.part) {
      this.drop(xid, p);
      throw new OfpError(
        OFPET.BAD_REQUEST,
        BAD_REQUEST.BAD_MULTIPART,
        `multipart request xid ${xid}: a ${body.part} part follows ${p.parts[0].part} parts`,
      );
    }
    if (this.held + size > this.limit) {
      this.drop(xid, p);
      throw new OfpError(
        OFPET.BAD_REQUEST,
        BAD_REQUEST.MULTIPART_BUFFER_OVERFLOW,
        `multipart request xid ${xid}: more than ${this.limit} bytes of parts pending`,
      );
    }
    p.parts.push(body);
    p.bytes += size;
    this.held += size;
    if (more) return undefined;
    this.drop(xid, p);
    return joinParts(p.parts);
  }

  /** Forgets every pending request (the connection is gone). */
  clear(): void {
    this.pending.clear();
    this.held = 0;
  }

  private drop(xid: number, p: Pending): void {
    this.pending.delete(xid);
    this.held -= p.bytes;
  }
}

/** One request body from the bodies of its parts (all of one part type, at least one). */
export function joinParts(parts: readonly MultipartRequestBody[]): MultipartRequestBody {
  const first = parts[0];
  if (first.part === "table-features") {
    return { part: "table-features", tables: parts.flatMap((b) => (b.part === "table-features" ? b.tables : [])) };
  }
  if (first.part === "experimenter") {
    const datas = parts.map((b) => (b.part === "experimenter" ? b.data : new Uint8Array(0)));
    const data = new Uint8Array(datas.reduce((n, d) => n + d.length, 0));
    let at = 0;
    for (const d of datas) {
      data.set(d, at);
      at += d.length;
    }
    return { ...first, data };
  }
  return first;
}
