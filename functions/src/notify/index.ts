/** Rendering and delivery of the tracker's notifications (email, Slack, webhooks) via the outbox. */
export * from "./message";
export * from "./render";
export { renderEmail, createSmtpTransport, escapeHtml, type EmailPayload, type SmtpSettings } from "./email";
export { renderSlack, createSlackTransport, escapeMrkdwn, SLACK_MAX_BLOCKS, SLACK_MAX_HEADER_CHARS, SLACK_MAX_SECTION_CHARS, type SlackBlock, type SlackPayload } from "./slack";
export { renderWebhook, createWebhookTransport, type WebhookPayload } from "./webhook";
export { DEFAULT_HTTP_TIMEOUT_MS, postJson, type HttpTransportOptions } from "./http";
export * from "./outbox";
