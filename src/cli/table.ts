// What: aligned plain-text tables for the CLI's human-readable output.
//
// Design: columns are left-aligned and separated by two spaces, headers in upper case; numeric
// columns may be right-aligned. No colours or borders: output stays greppable and pipes well.
//
// Threading: pure.

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean;
  align?: "left" | "right";
}

/** Rows rendered under a header line; every line ends with "\n". */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => String(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i].align === "right" ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join("\n")}\n`;
}

/** "key: value" lines with the values aligned. */
export function renderFields(fields: ReadonlyArray<[string, string | number | boolean]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields
    .map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`.trimEnd())
    .join("\n")
    .concat("\n");
}
