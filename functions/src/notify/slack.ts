/**
 * Slack incoming webhooks with Block Kit. Limits (https://api.slack.com/reference/block-kit/blocks,
 * as of 2026-11-27): at most 50 blocks per message, header text plain_text ≤ 150 characters,
 * section text ≤ 3000 characters, context ≤ 10 elements.
 */
import type { JsonObject } from "../store/types";
import { postJson, type HttpTransportOptions } from "./http";
import { formatTextTable, type NotificationMessage } from "./message";

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_HEADER_CHARS = 150;
export const SLACK_MAX_SECTION_CHARS = 3000;

/** The Block Kit blocks this project sends. */
export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string } }
  | { type: "section"; text: { type: "mrkdwn"; text: string } }
  | { type: "context"; elements: { type: "mrkdwn"; text: string }[] }
  | { type: "divider" };

/** An incoming-webhook body: `text` is the notification fallback, `blocks` the layout. */
export type SlackPayload = { text: string; blocks: SlackBlock[] };

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function section(text: string): SlackBlock {
  return { type: "section", text: { type: "mrkdwn", text: truncate(text, SLACK_MAX_SECTION_CHARS) } };
}

/** Splits lines into code blocks that each fit one section (``` fences included). */
function codeBlocks(lines: string[]): string[] {
  const fence = "```";
  const budget = SLACK_MAX_SECTION_CHARS - 2 * fence.length - 2;
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const raw of lines) {
    const lineText = truncate(raw, budget);
    if (current.length > 0 && size + lineText.length + 1 > budget) {
      chunks.push(current.join("\n"));
      current = [];
      size = 0;
    }
    current.push(lineText);
    size += lineText.length + 1;
  }
  if (current.length > 0) chunks.push(current.join("\n"));
  return chunks.map((chunk) => `${fence}\n${escapeMrkdwn(chunk)}\n${fence}`);
}

/** Shapes a message as Block Kit within Slack's limits; overflowing blocks are replaced by a note. */
export function renderSlack(message: NotificationMessage): SlackPayload {
  const body: SlackBlock[] = [section(escapeMrkdwn(message.summary))];
  if (message.facts.length > 0) {
    body.push(section(message.facts.map((fact) => `*${escapeMrkdwn(fact.label)}:* ${escapeMrkdwn(fact.value)}`).join("\n")));
  }
  for (const part of message.sections) {
    body.push({ type: "divider" });
    body.push(section(`*${escapeMrkdwn(part.heading)}*${part.text ? `\n${escapeMrkdwn(part.text)}` : ""}`));
    if (part.table) body.push(...codeBlocks(formatTextTable(part.table)).map(section));
  }
  const context: SlackBlock = {
    type: "context",
    elements: [
      // Slack decodes &amp; inside link URLs too, so the URL is escaped like any other text.
      { type: "mrkdwn", text: message.link ? `<${escapeMrkdwn(message.link.url)}|${escapeMrkdwn(message.link.label)}>` : "do-cost-guard" },
    ],
  };
  // Header and context are always kept; the body gives way, ending with a note of what was cut.
  const room = SLACK_MAX_BLOCKS - 2;
  const kept = body.length <= room ? body : [...body.slice(0, room - 1), section(`_${body.length - (room - 1)} more blocks omitted: see the dashboard or email for the full report._`)];
  return {
    text: truncate(`${message.title}: ${message.summary}`, SLACK_MAX_SECTION_CHARS),
    blocks: [{ type: "header", text: { type: "plain_text", text: truncate(message.title, SLACK_MAX_HEADER_CHARS) } }, ...kept, context],
  };
}

/** Sends a stored Slack payload to an incoming-webhook URL; a non-2xx answer is a failure. */
export function createSlackTransport(options: HttpTransportOptions = {}): (url: string, payload: JsonObject) => Promise<void> {
  return (url, payload) => {
    if (typeof payload.text !== "string" || !Array.isArray(payload.blocks)) {
      return Promise.reject(new Error("slack payload must have text (string) and blocks (array)"));
    }
    return postJson("Slack", url, payload, options);
  };
}
