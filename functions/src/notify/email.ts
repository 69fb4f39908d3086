import nodemailer from "nodemailer";
import type { JsonObject } from "../store/types";
import { formatTextTable, type NotificationMessage } from "./message";

/** An email as stored in the outbox: subject plus plain-text and HTML bodies of the same content. */
export type EmailPayload = { subject: string; text: string; html: string };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function textBody(message: NotificationMessage): string {
  const lines = [message.title, "", message.summary];
  if (message.facts.length > 0) lines.push("", ...message.facts.map((fact) => `${fact.label}: ${fact.value}`));
  for (const part of message.sections) {
    lines.push("", part.heading, "-".repeat(part.heading.length));
    if (part.text) lines.push(part.text);
    if (part.table) lines.push(...formatTextTable(part.table));
  }
  if (message.link) lines.push("", `${message.link.label}: ${message.link.url}`);
  return `${lines.join("\n")}\n`;
}

function htmlBody(message: NotificationMessage): string {
  const parts = [`<h1>${escapeHtml(message.title)}</h1>`, `<p>${escapeHtml(message.summary)}</p>`];
  if (message.facts.length > 0) {
    parts.push(`<table>${message.facts.map((fact) => `<tr><th align="left">${escapeHtml(fact.label)}</th><td>${escapeHtml(fact.value)}</td></tr>`).join("")}</table>`);
  }
  for (const part of message.sections) {
    parts.push(`<h2>${escapeHtml(part.heading)}</h2>`);
    if (part.text) parts.push(`<p>${escapeHtml(part.text)}</p>`);
    if (part.table) {
      const head = part.table.columns.map((column) => `<th align="left">${escapeHtml(column)}</th>`).join("");
      const rows = part.table.rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`).join("");
      parts.push(`<table border="1" cellpadding="4" cellspacing="0"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`);
    }
  }
  if (message.link) parts.push(`<p><a href="${escapeHtml(message.link.url)}">${escapeHtml(message.link.label)}</a></p>`);
  return `<!doctype html><html><body>${parts.join("\n")}</body></html>`;
}

/** Shapes a message as an email with matching plain-text and HTML parts. */
export function renderEmail(message: NotificationMessage): EmailPayload {
  return { subject: message.title, text: textBody(message), html: htmlBody(message) };
}

/** SMTP settings, read from the environment by the caller. */
export interface SmtpSettings {
  /** `smtp://user:pass@host:port` or `smtps://…` (SMTP_URL). */
  url: string;
  /** The From header, e.g. `do-cost-guard <billing@example.com>` (SMTP_FROM). */
  from: string;
  /** Connection, greeting and socket timeouts. Default 10 s (engineering choice, 2026-11-27). */
  timeoutMs?: number;
}

/** Removes the URL's password from a message, in case a library ever echoes the connection string. */
function redactor(url: URL): (text: string) => string {
  const secrets = [url.password, decodeURIComponent(url.password)].filter((secret) => secret.length > 0);
  return (text) => secrets.reduce((redacted, secret) => redacted.split(secret).join("***"), text);
}

/**
 * Sends stored emails over SMTP with nodemailer, one recipient per outbox row. Rejections
 * (4xx/5xx) and connection errors surface as errors with the server's answer and without the
 * credentials, so the outbox can record them.
 */
export function createSmtpTransport(settings: SmtpSettings): {
  send: (to: string, payload: JsonObject) => Promise<void>;
  close: () => void;
} {
  let parsed: URL;
  try {
    parsed = new URL(settings.url);
  } catch {
    throw new Error("SMTP_URL is not a URL (expected smtp://user:pass@host:port)");
  }
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
    throw new Error(`SMTP_URL must use smtp:// or smtps:// (got ${parsed.protocol}//)`);
  }
  if (settings.from.trim() === "") throw new Error("SMTP_FROM must not be empty");
  const redact = redactor(parsed);
  const timeout = settings.timeoutMs ?? 10_000;
  const transporter = nodemailer.createTransport({
    url: settings.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
  });
  return {
    async send(to, payload) {
      const { subject, text, html } = payload;
      if (typeof subject !== "string" || typeof text !== "string" || typeof html !== "string") {
        throw new Error("email payload must have subject, text and html strings");
      }
      try {
        await transporter.sendMail({ from: settings.from, to, subject, text, html });
      } catch (error) {
        throw new Error(`SMTP delivery to ${to} failed: ${redact((error as Error).message)}`);
      }
    },
    close: () => transporter.close(),
  };
}
