import type { JsonObject } from "../store/types";

/** A table in a report: column headings and rows of already formatted cells. */
export interface MessageTable {
  columns: string[];
  rows: string[][];
}

/** One part of a message body: a heading with text and/or a table. */
export interface MessageSection {
  heading: string;
  text?: string;
  table?: MessageTable;
}

/**
 * A notification before it is shaped for a channel. Renderers for alerts and reports build
 * one of these; email, Slack and webhook formatting then each work from it, so the three
 * channels always say the same thing.
 */
export interface NotificationMessage {
  /** Machine-readable kind, the webhook body's `type`, e.g. "threshold_crossed". */
  type: string;
  /** Subject line / Slack header. */
  title: string;
  /** One or two sentences saying what happened. */
  summary: string;
  /** Key figures shown as label/value pairs, already formatted ("$152.40"). */
  facts: { label: string; value: string }[];
  sections: MessageSection[];
  /** Where to look next (the dashboard), if known. */
  link?: { label: string; url: string };
  /** The raw figures for webhook consumers, in numbers rather than formatted strings. */
  data: JsonObject;
}

/**
 * A table as aligned monospace lines (header, rule, rows), for plain-text email and Slack
 * code blocks. Columns whose cells all look like amounts are right-aligned so digits line up.
 */
export function formatTextTable(table: MessageTable): string[] {
  const widths = table.columns.map((column, c) => Math.max(column.length, ...table.rows.map((row) => (row[c] ?? "").length)));
  const numeric = table.columns.map((_, c) => table.rows.length > 0 && table.rows.every((row) => /^-?\$?[\d,.]+%?$/.test(row[c] ?? "")));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd();
  return [line(table.columns), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)];
}
