/**
 * A real SMTP server on 127.0.0.1 (random port) for notifier tests. It accepts any login,
 * records each accepted message (envelope + raw MIME) and can reject the next N messages
 * with a chosen 4xx/5xx reply. MIME parts are found by simple parsing (mailparser is not a
 * dependency): enough to check that a message has its text/plain and text/html parts.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One accepted message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The login the client used, if it authenticated. */
  user: string | undefined;
  raw: string;
  headers: Record<string, string>;
  /** Decoded bodies by content type ("text/plain", "text/html"). */
  parts: Record<string, string>;
}

export interface SmtpPeer {
  /** `smtp://user:secret@127.0.0.1:<port>`. */
  url: string;
  readonly messages: ReceivedMail[];
  /** Rejects the next `count` messages at end of DATA with `code` (e.g. 451, 550). */
  rejectNext(count: number, code: number, text?: string): void;
  close(): Promise<void>;
}

function unfoldHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function decode(body: string, encoding: string | undefined): string {
  switch ((encoding ?? "7bit").toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable": {
      const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, "latin1").toString("utf8");
    }
    default:
      return body;
  }
}

/** Walks a MIME entity, collecting leaf bodies by content type. */
function collectParts(entity: string, parts: Record<string, string>): Record<string, string> {
  const split = entity.search(/\r?\n\r?\n/);
  const headers = unfoldHeaders(split < 0 ? entity : entity.slice(0, split));
  const body = split < 0 ? "" : entity.slice(split).replace(/^\r?\n\r?\n/, "");
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    for (const piece of body.split(`--${boundary}`).slice(1)) {
      if (piece.startsWith("--")) break;
      // The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1), not the part.
      collectParts(piece.replace(/^\r?\n/, "").replace(/\r?\n$/, ""), parts);
    }
  } else {
    // SMTP carries lines as CRLF; tests compare with the LF text that was rendered.
    parts[type.split(";")[0]!.trim().toLowerCase()] = decode(body, headers["content-transfer-encoding"]).replace(/\r\n/g, "\n");
  }
  return parts;
}

/** Starts the SMTP peer; close it in afterAll. */
export async function startSmtpPeer(): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  let rejections: { remaining: number; code: number; text: string } = { remaining: 0, code: 0, text: "" };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (rejections.remaining > 0) {
          rejections.remaining--;
          const error = Object.assign(new Error(rejections.text), { responseCode: rejections.code });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        const split = raw.search(/\r?\n\r?\n/);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((address) => address.address),
          user: typeof session.user === "string" ? session.user : undefined,
          raw,
          headers: unfoldHeaders(raw.slice(0, split)),
          parts: collectParts(raw, {}),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://alerts:s3cret-pass@127.0.0.1:${port}`,
    messages,
    rejectNext(count, code, text = code >= 500 ? "mailbox unavailable" : "try again later") {
      rejections = { remaining: count, code, text };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
