// A strict parser of the Prometheus text exposition format (0.0.4) for tests: every line must
// be a HELP, a TYPE or a sample of a family declared by a TYPE line before it; label values
// are unescaped; values must be numbers. Anything else throws with the line, so a malformed
// /metrics answer fails the test that scrapes it.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromScrape {
  types: Map<string, string>;
  samples: PromSample[];
  /** The value of name{labels ⊇ match}; throws when none or several match. */
  value(name: string, match?: Record<string, string>): number;
  /** Every sample of name whose labels include match. */
  all(name: string, match?: Record<string, string>): PromSample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/;
const SUFFIXES: Record<string, string[]> = {
  counter: ["", "_total"],
  gauge: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
  untyped: [""],
};

function parseLabels(text: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad labels in metrics line: ${line}`);
    out[m[1]] = m[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    rest = rest.slice(m[0].length);
  }
  return out;
}

function family(name: string, types: Map<string, string>): string | undefined {
  for (const [fam, type] of types) {
    for (const suffix of SUFFIXES[type] ?? [""]) if (`${fam}${suffix}` === name) return fam;
  }
  return undefined;
}

export function parsePromText(text: string): PromScrape {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) {
      if (!new RegExp(`^# HELP ${NAME} .*$`).test(line)) throw new Error(`bad HELP line: ${line}`);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
      if (!m) throw new Error(`bad TYPE line: ${line}`);
      types.set(m[1], m[2]);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    if (!family(m[1], types)) throw new Error(`sample of an undeclared family: ${line}`);
    const value =
      m[3] === "+Inf" ? Number.POSITIVE_INFINITY : m[3] === "-Inf" ? Number.NEGATIVE_INFINITY : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== "NaN") throw new Error(`bad sample value: ${line}`);
    samples.push({ name: m[1], labels: m[2] ? parseLabels(m[2], line) : {}, value });
  }
  const all = (name: string, match: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
  return {
    types,
    samples,
    all,
    value(name, match = {}) {
      const found = all(name, match);
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(match)}`);
      return found[0].value;
    },
  };
}
