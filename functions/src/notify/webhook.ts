import type { JsonObject } from "../store/types";
import type { NotificationMessage } from "./message";
import { postJson, type HttpTransportOptions } from "./http";

/** A generic webhook body: `{type, title, summary, link, ...data}`. */
export type WebhookPayload = JsonObject & { type: string; title: string; summary: string; link: string | null };

/** Shapes a message as the JSON body generic webhooks receive; `data` fields sit at the top level. */
export function renderWebhook(message: NotificationMessage): WebhookPayload {
  return { ...message.data, type: message.type, title: message.title, summary: message.summary, link: message.link?.url ?? null };
}

/** POSTs a stored webhook body with a timeout; a non-2xx answer is a failure. */
export function createWebhookTransport(options: HttpTransportOptions = {}): (url: string, payload: JsonObject) => Promise<void> {
  return (url, payload) => {
    if (typeof payload.type !== "string") return Promise.reject(new Error("webhook payload must have a string type"));
    return postJson("webhook", url, payload, options);
  };
}
