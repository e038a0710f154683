// What: what the forwarding method needs from a switch under test, whichever it is.
//
// Design: a userspace switch has one process the method pauses (SIGSTOP) while the backlog is
// queued and resumes (SIGCONT) to time the drain; the Linux bridge has none (it runs inside the
// kernel's receive work) and is measured at capacity instead.
// Threading: main thread.

export interface SwitchUnderTest {
  /** Row label, e.g. "OVS 3.1 userspace (netdev)". */
  readonly label: string;
  /** The process to pause and resume; undefined for the kernel bridge. */
  readonly pid?: number;
  /** What was pinned where, for the report. */
  readonly pinning: string;
  /** How big its receive buffer for the backlog is, for the report. */
  readonly buffer: string;
  close(): Promise<void>;
}
