import { createSmtpTransport, renderEmail } from "../../../functions/src/notify/email";
import { renderThresholdCrossed } from "../../../functions/src/notify/render";
import { createSlackTransport, renderSlack } from "../../../functions/src/notify/slack";
import { createWebhookTransport, renderWebhook } from "../../../functions/src/notify/webhook";
import { slackShapeProblems, startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";

const message = renderThresholdCrossed({ thresholdUsd: 50, monthToDateUsd: 50.01, billingMonth: "2026-11", dashboardUrl: "https://dash.example.com/" });

describe("SMTP transport", () => {
  let peer: SmtpPeer;
  let smtp: ReturnType<typeof createSmtpTransport>;
  beforeAll(async () => {
    peer = await startSmtpPeer();
    smtp = createSmtpTransport({ url: peer.url, from: "do-cost-guard <billing@example.com>", timeoutMs: 5000 });
  });
  afterAll(async () => {
    smtp.close();
    await peer.close();
  });

  it("delivers one message with text and HTML parts to the recipient, logged in with the URL's user", async () => {
    const email = renderEmail(message);
    await smtp.send("ops@example.com", email);
    const [mail] = peer.messages;
    expect(mail!.to).toEqual(["ops@example.com"]);
    expect(mail!.from).toBe("billing@example.com");
    expect(mail!.user).toBe("alerts");
    expect(mail!.headers.subject).toBe("DigitalOcean spend passed $50.00 in 2026-11");
    expect(mail!.headers["content-type"]).toMatch(/^multipart\/alternative/);
    expect(mail!.parts["text/plain"]).toBe(email.text);
    expect(mail!.parts["text/html"]).toBe(email.html);
  });

  it("reports a rejection with the server's code and without the password", async () => {
    peer.rejectNext(1, 550, "mailbox unavailable");
    const failure = smtp.send("ops@example.com", renderEmail(message));
    await expect(failure).rejects.toThrow(/^SMTP delivery to ops@example.com failed: .*550/);
    await expect(failure).rejects.not.toThrow(/s3cret-pass/);
  });

  it("refuses a payload that is not an email and a URL that is not SMTP, without echoing it", async () => {
    await expect(smtp.send("ops@example.com", { text: "no subject" })).rejects.toThrow("email payload must have subject, text and html strings");
    expect(() => createSmtpTransport({ url: "http://u:topsecret@host", from: "a@b.c" })).toThrow("SMTP_URL must use smtp:// or smtps:// (got http://)");
    expect(() => createSmtpTransport({ url: "not a url with topsecret", from: "a@b.c" })).toThrow(/^SMTP_URL is not a URL \(expected smtp:\/\/user:pass@host:port\)$/);
  });
});

describe("HTTP transports", () => {
  let receiver: HttpReceiver;
  beforeAll(async () => {
    receiver = await startHttpReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.delayAnswers(0);
  });

  it("POSTs the Slack payload as JSON, which passes the Block Kit shape check", async () => {
    await createSlackTransport()(`${receiver.baseUrl}/services/T000/B000/XXXX`, renderSlack(message));
    const [request] = receiver.requests;
    expect([request!.method, request!.path, request!.headers["content-type"]]).toEqual(["POST", "/services/T000/B000/XXXX", "application/json"]);
    expect(slackShapeProblems(request!.body)).toEqual([]);
  });

  it("treats a non-2xx Slack answer as a failure whose message has the status but not the secret URL", async () => {
    receiver.failNext(1, 500);
    const failure = createSlackTransport()(`${receiver.baseUrl}/services/T000/B000/SECRETTOKEN`, renderSlack(message));
    await expect(failure).rejects.toThrow("Slack answered 500: internal_error");
    await expect(failure).rejects.not.toThrow(/SECRETTOKEN/);
  });

  it("POSTs the webhook body {type, …} and gives up after its timeout", async () => {
    await createWebhookTransport()(`${receiver.baseUrl}/hook`, renderWebhook(message));
    expect(receiver.requests[0]!.body).toMatchObject({ type: "threshold_crossed", thresholdUsd: 50, monthToDateUsd: 50.01 });

    receiver.delayAnswers(2000);
    await expect(createWebhookTransport({ timeoutMs: 100 })(`${receiver.baseUrl}/hook`, renderWebhook(message))).rejects.toThrow(
      "webhook request failed: timed out after 100 ms",
    );
  });
});
