// OpenFlow 1.3 errors: the one catalog of error types and codes (OpenFlow 1.3.5 §7.4.4), and
// OfpError, the exception a decoder or the switch throws to make the channel answer with an
// OFPT_ERROR carrying that type and code (and the offending message's first 64 bytes).
//
// Design: one table per error type, names as in the spec without the OFP prefix, so a code
// is written `OFPET.BAD_MATCH` / `BAD_MATCH.BAD_PREREQ` where it is raised and rendered by
// name in logs and tests. The few constants the codec core needs are also exported flat.

export const OFPET = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;

export const HELLO_FAILED = { INCOMPATIBLE: 0, EPERM: 1 } as const;

export const BAD_REQUEST = {
  BAD_VERSION: 0,
  BAD_TYPE: 1,
  BAD_MULTIPART: 2,
  BAD_EXPERIMENTER: 3,
  BAD_EXP_TYPE: 4,
  EPERM: 5,
  BAD_LEN: 6,
  BUFFER_EMPTY: 7,
  BUFFER_UNKNOWN: 8,
  BAD_TABLE_ID: 9,
  IS_SLAVE: 10,
  BAD_PORT: 11,
  BAD_PACKET: 12,
  MULTIPART_BUFFER_OVERFLOW: 13,
} as const;

export const BAD_ACTION = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_EXPERIMENTER: 2,
  BAD_EXP_TYPE: 3,
  BAD_OUT_PORT: 4,
  BAD_ARGUMENT: 5,
  EPERM: 6,
  TOO_MANY: 7,
  BAD_QUEUE: 8,
  BAD_OUT_GROUP: 9,
  MATCH_INCONSISTENT: 10,
  UNSUPPORTED_ORDER: 11,
  BAD_TAG: 12,
  BAD_SET_TYPE: 13,
  BAD_SET_LEN: 14,
  BAD_SET_ARGUMENT: 15,
} as const;

export const BAD_INSTRUCTION = {
  UNKNOWN_INST: 0,
  UNSUP_INST: 1,
  BAD_TABLE_ID: 2,
  UNSUP_METADATA: 3,
  UNSUP_METADATA_MASK: 4,
  BAD_EXPERIMENTER: 5,
  BAD_EXP_TYPE: 6,
  BAD_LEN: 7,
  EPERM: 8,
} as const;

export const BAD_MATCH = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_TAG: 2,
  BAD_DL_ADDR_MASK: 3,
  BAD_NW_ADDR_MASK: 4,
  BAD_WILDCARDS: 5,
  BAD_FIELD: 6,
  BAD_VALUE: 7,
  BAD_MASK: 8,
  BAD_PREREQ: 9,
  DUP_FIELD: 10,
  EPERM: 11,
} as const;

export const FLOW_MOD_FAILED = {
  UNKNOWN: 0,
  TABLE_FULL: 1,
  BAD_TABLE_ID: 2,
  OVERLAP: 3,
  EPERM: 4,
  BAD_TIMEOUT: 5,
  BAD_COMMAND: 6,
  BAD_FLAGS: 7,
} as const;

export const GROUP_MOD_FAILED = {
  GROUP_EXISTS: 0,
  INVALID_GROUP: 1,
  WEIGHT_UNSUPPORTED: 2,
  OUT_OF_GROUPS: 3,
  OUT_OF_BUCKETS: 4,
  CHAINING_UNSUPPORTED: 5,
  WATCH_UNSUPPORTED: 6,
  LOOP: 7,
  UNKNOWN_GROUP: 8,
  CHAINED_GROUP: 9,
  BAD_TYPE: 10,
  BAD_COMMAND: 11,
  BAD_BUCKET: 12,
  BAD_WATCH: 13,
  EPERM: 14,
} as const;

export const PORT_MOD_FAILED = { BAD_PORT: 0, BAD_HW_ADDR: 1, BAD_CONFIG: 2, BAD_ADVERTISE: 3, EPERM: 4 } as const;
export const TABLE_MOD_FAILED = { BAD_TABLE: 0, BAD_CONFIG: 1, EPERM: 2 } as const;
export const QUEUE_OP_FAILED = { BAD_PORT: 0, BAD_QUEUE: 1, EPERM: 2 } as const;
export const SWITCH_CONFIG_FAILED = { BAD_FLAGS: 0, BAD_LEN: 1, EPERM: 2 } as const;
export const ROLE_REQUEST_FAILED = { STALE: 0, UNSUP: 1, BAD_ROLE: 2 } as const;

export const METER_MOD_FAILED = {
  UNKNOWN: 0,
  METER_EXISTS: 1,
  INVALID_METER: 2,
  UNKNOWN_METER: 3,
  BAD_COMMAND: 4,
  BAD_FLAGS: 5,
  BAD_RATE: 6,
  BAD_BURST: 7,
  BAD_BAND: 8,
  BAD_BAND_VALUE: 9,
  OUT_OF_METERS: 10,
  OUT_OF_BANDS: 11,
} as const;

export const TABLE_FEATURES_FAILED = {
  BAD_TABLE: 0,
  BAD_METADATA: 1,
  BAD_TYPE: 2,
  BAD_LEN: 3,
  BAD_ARGUMENT: 4,
  EPERM: 5,
} as const;

const CODES_BY_TYPE: Record<number, Record<string, number>> = {
  [OFPET.HELLO_FAILED]: HELLO_FAILED,
  [OFPET.BAD_REQUEST]: BAD_REQUEST,
  [OFPET.BAD_ACTION]: BAD_ACTION,
  [OFPET.BAD_INSTRUCTION]: BAD_INSTRUCTION,
  [OFPET.BAD_MATCH]: BAD_MATCH,
  [OFPET.FLOW_MOD_FAILED]: FLOW_MOD_FAILED,
  [OFPET.GROUP_MOD_FAILED]: GROUP_MOD_FAILED,
  [OFPET.PORT_MOD_FAILED]: PORT_MOD_FAILED,
  [OFPET.TABLE_MOD_FAILED]: TABLE_MOD_FAILED,
  [OFPET.QUEUE_OP_FAILED]: QUEUE_OP_FAILED,
  [OFPET.SWITCH_CONFIG_FAILED]: SWITCH_CONFIG_FAILED,
  [OFPET.ROLE_REQUEST_FAILED]: ROLE_REQUEST_FAILED,
  [OFPET.METER_MOD_FAILED]: METER_MOD_FAILED,
  [OFPET.TABLE_FEATURES_FAILED]: TABLE_FEATURES_FAILED,
};

/** Names by (type << 16 | code), filled as they are asked for: a peer's bad messages are hot. */
const ERROR_NAMES = new Map<number, string>();

/** "BAD_MATCH/BAD_PREREQ" style name of an error type and code (numbers when unknown). */
export function errorName(type: number, code: number): string {
  const k = type * 0x10000 + code;
  let name = ERROR_NAMES.get(k);
  if (name === undefined) {
    const t = Object.entries(OFPET).find(([, v]) => v === type)?.[0] ?? `type${type}`;
    const c = Object.entries(CODES_BY_TYPE[type] ?? {}).find(([, v]) => v === code)?.[0] ?? `code${code}`;
    name = `${t}/${c}`;
    if (type <= 0xffff && code <= 0xffff) ERROR_NAMES.set(k, name);
  }
  return name;
}

/**
 * Raised by decoders and the switch; the channel turns it into an OFPT_ERROR reply. It is the
 * peer's mistake, not ours: no stack trace is captured (capturing one cost more than decoding
 * the message, for every malformed message a peer sends).
 */
export class OfpError extends Error {
  readonly errType: number;
  readonly errCode: number;

  constructor(errType: number, errCode: number, detail: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${errorName(errType, errCode)}: ${detail}`);
    Error.stackTraceLimit = limit;
    this.errType = errType;
    this.errCode = errCode;
    this.name = "OfpError";
  }
}

export const OFPET_BAD_REQUEST = OFPET.BAD_REQUEST;
export const OFPBRC_BAD_LEN = BAD_REQUEST.BAD_LEN;
