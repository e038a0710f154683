import { describe, expect, it } from "vitest";
import { libc } from "../../../src/sys/libc.ts";
import { EBADF, errnoName, SysError, sysCheck } from "../../../src/sys/sys-error.ts";

describe("errno → Error", () => {
  it("names the call, the object, the reason and the code", () => {
    let err: unknown;
    try {
      sysCheck(libc.close(-1), "close", "of fd -1");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SysError);
    const se = err as SysError;
    expect(se.errno).toBe(EBADF);
    expect(se.code).toBe("EBADF");
    expect(se.message).toBe("close of fd -1: Bad file descriptor (EBADF)");
  });

  it("passes successful results through", () => {
    expect(sysCheck(0, "x")).toBe(0);
    expect(sysCheck(7, "x")).toBe(7);
  });

  it("names errno values", () => {
    expect(errnoName(11)).toBe("EAGAIN");
    expect(errnoName(1)).toBe("EPERM");
    expect(errnoName(99999)).toBe("E99999");
  });
});
