import { describe, expect, it } from "vitest";
import { corkable } from "../../functions/lib/db/postgres";

/** A socket like pg-cloudflare's: write only, no cork/uncork; records what reached the wire. */
function wireSocket() {
  const wire: number[][] = [];
  return {
    wire,
    write(data: Uint8Array | string, _encoding?: unknown, callback?: (error?: Error) => void) {
      wire.push([...(typeof data === "string" ? new TextEncoder().encode(data) : data)]);
      callback?.();
      return true;
    },
  } as {
    wire: number[][];
    write: (d: Uint8Array | string, e?: unknown, c?: (e?: Error) => void) => boolean;
    cork?: () => void;
    uncork?: () => void;
  };
}

describe("corkable (one write per query from workerd)", () => {
  it("holds writes between cork and uncork and sends them as one, calling every callback", () => {
    const socket = wireSocket();
    corkable(socket);
    const called: string[] = [];
    socket.cork?.();
    socket.write(new Uint8Array([1, 2]), undefined, () => called.push("parse"));
    socket.write(new Uint8Array([3]), () => called.push("bind"));
    socket.write("A");
    expect(socket.wire, "nothing leaves while corked").toEqual([]);
    socket.uncork?.();
    expect(socket.wire, "one write with every byte in order").toEqual([[1, 2, 3, 65]]);
    expect(called).toEqual(["parse", "bind"]);
  });

  it("writes straight through when not corked, and leaves a socket that corks itself alone", () => {
    const socket = wireSocket();
    corkable(socket);
    socket.write(new Uint8Array([9]));
    socket.uncork?.();
    expect(socket.wire).toEqual([[9]]);
    const cork = () => {};
    const native = { ...wireSocket(), cork, uncork: cork };
    const write = native.write;
    corkable(native);
    expect(native.write, "Node's net.Socket keeps its own write").toBe(write);
  });
});
