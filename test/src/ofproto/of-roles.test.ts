import { describe, expect, it } from "vitest";
import type { OfChannel } from "../../../openflow/channel/channel.ts";
import { OFPET, OfpError, ROLE_REQUEST_FAILED } from "../../../openflow/errors.ts";
import { OFPCR_ROLE } from "../../../openflow/messages/role.ts";
import { DEFAULT_ASYNC_CONFIG } from "../../../src/ofproto/of-async.ts";
import { BridgeRoles, GENERATION_ID_UNDEFINED } from "../../../src/ofproto/of-roles.ts";

const { NOCHANGE, EQUAL, MASTER, SLAVE } = OFPCR_ROLE;

function setup(n: number) {
  const chans = Array.from({ length: n }, () => ({}) as OfChannel);
  return { chans, roles: new BridgeRoles(() => chans) };
}

function refusedWith(fn: () => unknown, code: number): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(OfpError);
  expect((err as OfpError).errType).toBe(OFPET.ROLE_REQUEST_FAILED);
  expect((err as OfpError).errCode).toBe(code);
}

describe("BridgeRoles", () => {
  it("starts every connection EQUAL with the default async config and an undefined generation id", () => {
    const { chans, roles } = setup(1);
    expect(roles.request(chans[0], NOCHANGE, 5n)).toEqual({ role: EQUAL, generationId: GENERATION_ID_UNDEFINED });
    expect(roles.control(chans[0]).async).toEqual(DEFAULT_ASYNC_CONFIG);
    expect(roles.isSlave(chans[0])).toBe(false);
  });

  it("a new MASTER demotes the old one to SLAVE; EQUAL connections stay EQUAL", () => {
    const { chans, roles } = setup(3);
    const [a, b, c] = chans;
    expect(roles.request(a, MASTER, 1n)).toEqual({ role: MASTER, generationId: 1n });
    expect(roles.request(b, MASTER, 2n)).toEqual({ role: MASTER, generationId: 2n });
    expect(roles.roleOf(a)).toBe(SLAVE);
    expect(roles.roleOf(c)).toBe(EQUAL);
    expect(roles.isSlave(a)).toBe(true);
    // Re-asserting master with the same generation id is not stale.
    expect(roles.request(b, MASTER, 2n).role).toBe(MASTER);
  });

  it("refuses a stale generation id for MASTER and SLAVE (wrapping u64 order), and changes nothing", () => {
    const { chans, roles } = setup(2);
    const [a, b] = chans;
    roles.request(a, MASTER, 10n);
    refusedWith(() => roles.request(b, MASTER, 9n), ROLE_REQUEST_FAILED.STALE);
    refusedWith(() => roles.request(b, SLAVE, 9n), ROLE_REQUEST_FAILED.STALE);
    expect(roles.roleOf(a)).toBe(MASTER);
    expect(roles.roleOf(b)).toBe(EQUAL);
    expect(roles.currentGenerationId()).toBe(10n);
    // EQUAL does not look at the generation id.
    expect(roles.request(b, EQUAL, 0n)).toEqual({ role: EQUAL, generationId: 10n });
  });

  it("orders generation ids as a wrapping u64 sequence: 1 follows 2^64 - 2", () => {
    const { chans, roles } = setup(2);
    const [a, b] = chans;
    roles.request(a, MASTER, 0xffff_ffff_ffff_fffen);
    expect(roles.request(b, MASTER, 1n)).toEqual({ role: MASTER, generationId: 1n });
    expect(roles.roleOf(a)).toBe(SLAVE);
    refusedWith(() => roles.request(a, MASTER, 0xffff_ffff_ffff_fffen), ROLE_REQUEST_FAILED.STALE);
  });

  it("refuses an unknown role with BAD_ROLE", () => {
    const { chans, roles } = setup(1);
    refusedWith(() => roles.request(chans[0], 4, 0n), ROLE_REQUEST_FAILED.BAD_ROLE);
    expect(roles.roleOf(chans[0])).toBe(EQUAL);
  });
});
