// Waiting on many fds at once (poll) and waking a waiter from elsewhere (eventfd).
//
// What: `PollSet` — a reusable pollfd array: add/remove fds, `wait(timeoutMs)` returns how many
//   are ready, `revents(i)` says which events; `eventfdOpen`, `eventfdSignal`, `eventfdDrain`.
// Design: the pollfd array lives in one JS ArrayBuffer passed by address, rebuilt only when the
//   set changes, so a wait costs one FFI call. A datapath worker polls its ports' fds plus an
//   eventfd the control plane signals when it queues work, then runs receive() on the ready
//   ports. poll blocks the calling thread: call it from the worker, never the main thread.
//
//   struct pollfd (8 bytes): 0 i32 fd   4 i16 events   6 i16 revents
// Invariants: EINTR from poll is reported as 0 ready (the caller loops anyway).
// Threading: a PollSet belongs to the thread that waits on it; eventfdSignal may be called from
//   any thread or process holding the fd.

import { addressOf, lastErrno, libc } from "./libc.ts";
import { EAGAIN, EINTR, SysError, sysCheck } from "./sys-error.ts";

export const POLLIN = 0x1;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;

const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

export class PollSet {
  private fds: number[] = [];
  private events: number[] = [];
  private arr = new Int32Array(16 * 2);
  private view = new DataView(this.arr.buffer);
  private dirty = true;

  /** Adds fd with the events to wait for (POLLIN by default); returns its slot. */
  add(fd: number, events = POLLIN): number {
    this.fds.push(fd);
    this.events.push(events);
    this.dirty = true;
    return this.fds.length - 1;
  }

  remove(fd: number): void {
    const i = this.fds.indexOf(fd);
    if (i < 0) return;
    this.fds.splice(i, 1);
    this.events.splice(i, 1);
    this.dirty = true;
  }

  get size(): number {
    return this.fds.length;
  }

  fdAt(i: number): number {
    return this.fds[i];
  }

  /** Waits up to timeoutMs (-1 = forever, 0 = just look); returns the number of ready fds. */
  wait(timeoutMs: number): number {
    if (this.dirty) this.rebuild();
    const r = libc.poll(addressOf(this.arr), this.fds.length, timeoutMs);
    if (r === -1) {
      if (lastErrno() === EINTR) return 0;
      sysCheck(-1, "poll");
    }
    return r;
  }

  /** revents of slot i after the last wait. */
  revents(i: number): number {
    return this.view.getInt16(i * 8 + 6, true);
  }

  private rebuild(): void {
    if (this.arr.length < this.fds.length * 2) {
      this.arr = new Int32Array(this.fds.length * 4);
      this.view = new DataView(this.arr.buffer);
    }
    for (let i = 0; i < this.fds.length; i++) {
      this.view.setInt32(i * 8, this.fds[i], true);
      this.view.setInt16(i * 8 + 4, this.events[i], true);
      this.view.setInt16(i * 8 + 6, 0, true);
    }
    this.dirty = false;
  }
}

const counter = new BigUint64Array(1);
const counterAddr = addressOf(counter);

/** A non-blocking eventfd starting at 0. */
export function eventfdOpen(): number {
  return sysCheck(libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
}

/** Adds n (default 1) to the eventfd's counter, making it readable. */
export function eventfdSignal(fd: number, n = 1n): void {
  counter[0] = n;
  sysCheck(libc.write(fd, counterAddr, 8), "write(eventfd)");
}

/** Reads and resets the counter; 0n when it was already 0. */
export function eventfdDrain(fd: number): bigint {
  if (libc.read(fd, counterAddr, 8) === -1) {
    const e = lastErrno();
    if (e === EAGAIN) return 0n;
    throw new SysError("read(eventfd)", e);
  }
  return counter[0];
}
