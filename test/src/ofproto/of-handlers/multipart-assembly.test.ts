// The multipart request assembler: a one-message request passes straight through; parts with
// OFPMPF_REQ_MORE are held per xid until the last, then joined (TABLE_FEATURES lists and
// EXPERIMENTER data concatenated, fixed bodies from the first part); a part of another type is
// BAD_MULTIPART and a connection holding more than the limit is MULTIPART_BUFFER_OVERFLOW, both
// forgetting the request.

import { describe, expect, it } from "vitest";
import { BAD_REQUEST, OFPET } from "../../../../openflow/errors.ts";
import { type MultipartRequestBody, OFPMPF_REQ_MORE } from "../../../../openflow/messages/multipart.ts";
import type { TableFeatures } from "../../../../openflow/messages/multipart-table-features.ts";
import { MAX_BUFFERED_BYTES, MultipartAssembler } from "../../../../src/ofproto/of-handlers/multipart-assembly.ts";

const MORE = OFPMPF_REQ_MORE;
const table = (tableId: number) => ({ tableId }) as unknown as TableFeatures;
const features = (...ids: number[]): MultipartRequestBody => ({ part: "table-features", tables: ids.map(table) });
const exp = (...bytes: number[]): MultipartRequestBody => ({
  part: "experimenter",
  experimenter: 0x2320,
  expType: 7,
  data: Uint8Array.from(bytes),
});

describe("MultipartAssembler", () => {
  it("passes a one-message request through and holds nothing", () => {
    const a = new MultipartAssembler();
    const body: MultipartRequestBody = { part: "desc" };
    expect(a.add(1, 0, body, 16)).toBe(body);
    expect(a.bytes()).toBe(0);
  });

  it("joins TABLE_FEATURES parts in order, per xid, after the last part", () => {
    const a = new MultipartAssembler();
    expect(a.add(5, MORE, features(0, 1), 100)).toBeUndefined();
    expect(a.add(6, MORE, features(9), 50)).toBeUndefined(); // another request, interleaved
    expect(a.add(5, MORE, features(2), 60)).toBeUndefined();
    expect(a.bytes()).toBe(210);
    expect(a.add(5, 0, features(3), 40)).toEqual(features(0, 1, 2, 3));
    expect(a.bytes()).toBe(50);
    expect(a.add(6, 0, features(), 16)).toEqual(features(9));
    expect(a.bytes()).toBe(0);
  });

  it("concatenates EXPERIMENTER data; a fixed body comes from the first part", () => {
    const a = new MultipartAssembler();
    a.add(1, MORE, exp(1, 2), 24);
    expect(a.add(1, 0, exp(3), 24)).toEqual(exp(1, 2, 3));
    a.add(2, MORE, { part: "port-stats", portNo: 4 }, 24);
    expect(a.add(2, 0, { part: "port-stats", portNo: 9 }, 24)).toEqual({ part: "port-stats", portNo: 4 });
  });

  it("a part of another type is BAD_MULTIPART and drops the request", () => {
    const a = new MultipartAssembler();
    a.add(3, MORE, features(0), 100);
    expect(() => a.add(3, 0, { part: "desc" }, 16)).toThrow(
      expect.objectContaining({ errType: OFPET.BAD_REQUEST, errCode: BAD_REQUEST.BAD_MULTIPART }),
    );
    expect(a.bytes()).toBe(0);
    // The xid is free again: a later request with it starts afresh.
    expect(a.add(3, 0, { part: "desc" }, 16)).toEqual({ part: "desc" });
  });

  it("more than the limit pending (over all xids) is MULTIPART_BUFFER_OVERFLOW for the request that crossed it", () => {
    expect(MAX_BUFFERED_BYTES).toBe(4 * 1024 * 1024); // Open vSwitch's limit
    const a = new MultipartAssembler(1000);
    a.add(1, MORE, features(0), 600);
    a.add(2, MORE, features(1), 300);
    expect(() => a.add(2, MORE, features(2), 200)).toThrow(
      expect.objectContaining({ errType: OFPET.BAD_REQUEST, errCode: BAD_REQUEST.MULTIPART_BUFFER_OVERFLOW }),
    );
    expect(a.bytes()).toBe(600); // request 2 is gone, request 1 still pending
    expect(a.add(1, 0, features(3), 400)).toEqual(features(0, 3));
    a.add(7, MORE, features(0), 500);
    a.clear();
    expect(a.bytes()).toBe(0);
  });
});
