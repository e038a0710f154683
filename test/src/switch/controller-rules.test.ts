import { describe, expect, it } from "vitest";
import { WasmvsError } from "../../../src/api/errors.ts";
import { checkControllerTargets, MAX_CONTROLLERS } from "../../../src/switch/controller-rules.ts";

function refusal(targets: string[]): WasmvsError {
  try {
    checkControllerTargets(targets);
  } catch (e) {
    expect(e).toBeInstanceOf(WasmvsError);
    expect((e as WasmvsError).code).toBe("INVALID_CONTROLLER_TARGET");
    expect((e as WasmvsError).statusCode).toBe(400);
    return e as WasmvsError;
  }
  throw new Error(`accepted ${JSON.stringify(targets)}`);
}

describe("checkControllerTargets", () => {
  it("accepts every OVS target kind and keeps them as written (trimmed)", () => {
    const targets = [
      "tcp:127.0.0.1:6633",
      " ssl:ctl.example:6653 ",
      "unix:/run/ctl.sock",
      "ptcp:6653",
      "pssl:6654:[::1]",
      "punix:/run/br0.ctl",
      "tcp:[fe80::1]:6653",
    ];
    expect(checkControllerTargets(targets)).toEqual(targets.map((t) => t.trim()));
    expect(checkControllerTargets([])).toEqual([]);
  });

  it("names the bad target and why", () => {
    expect(refusal(["tcp:1.2.3.4", "tcp"]).message).toBe(
      'bad OpenFlow target "tcp": expected tcp:, ssl:, unix:, ptcp:, pssl: or punix:',
    );
    expect(refusal(["tcp:1.2.3.4:0"]).message).toMatch(/port 0 is out of range/);
    expect(refusal(["ptcp:x"]).message).toMatch(/port "x" is not a number/);
    expect(refusal(["punix:"]).message).toMatch(/a socket path is required/);
    expect(refusal(["tcp:a b"]).message).toMatch(/is not a host/);
  });

  it("refuses two targets naming the same endpoint, and too many targets", () => {
    expect(refusal(["ptcp:6653", "ptcp:"]).message).toMatch(/"ptcp:" and "ptcp:6653" are the same controller/);
    const many = Array.from({ length: MAX_CONTROLLERS + 1 }, (_, i) => `tcp:10.0.0.${i + 1}`);
    expect(refusal(many).message).toMatch(/at most 16/);
  });
});
