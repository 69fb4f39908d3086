import { renderEmail } from "../../../functions/src/notify/email";
import { formatTextTable } from "../../../functions/src/notify/message";
import { renderForecastAlert, renderReport, renderSpike, renderThresholdCrossed } from "../../../functions/src/notify/render";
import { renderSlack, SLACK_MAX_BLOCKS } from "../../../functions/src/notify/slack";
import { renderWebhook } from "../../../functions/src/notify/webhook";
import { slackShapeProblems } from "../../support/http-receiver";

const threshold = renderThresholdCrossed({
  thresholdUsd: 150,
  monthToDateUsd: 152.4,
  billingMonth: "2026-11",
  budgetUsd: 300,
  dashboardUrl: "https://dash.example.com/?a=1&b=2",
});

describe("alert renderers", () => {
  it("threshold crossed: amount, month to date, budget use and link", () => {
    expect(threshold.title).toBe("DigitalOcean spend passed $150.00 in 2026-11");
    expect(threshold.facts).toEqual([
      { label: "Threshold", value: "$150.00" },
      { label: "Month to date", value: "$152.40" },
      // 152.40 / 300 = 0.508 → 50.8 %
      { label: "Budget", value: "$300.00 (50.8% used)" },
    ]);
    expect(threshold.data).toEqual({ billingMonth: "2026-11", thresholdUsd: 150, monthToDateUsd: 152.4, budgetUsd: 300 });
  });

  it("forecast: states how far over budget the projection ends", () => {
    const forecast = renderForecastAlert({ projectedUsd: 412, budgetUsd: 300, monthToDateUsd: 190.1, billingMonth: "2026-11", asOf: "2026-11-14" });
    // 412 − 300 = 112 over.
    expect(forecast.summary).toBe("At the current rate the month ends $112.00 over the $300.00 budget (projection as of 2026-11-14).");
    expect(forecast.data.overBudgetUsd).toBe(112);
    expect(forecast.link).toBeUndefined();
  });

  it.each([
    // amount, baseline, expected wording: 48 / 12 = 4.0×; 19.5 / 13 = 1.5×; a zero baseline has no ratio
    [48, 12, "4.0× the usual $12.00 a day"],
    [19.5, 13, "1.5× the usual $13.00 a day"],
    [5, 0, "where it usually costs nothing"],
  ])("spike of $%d over a $%d baseline says %s", (amountUsd, baselineUsd, wording) => {
    const spike = renderSpike({ date: "2026-11-26", dimension: "service", key: "Droplets", amountUsd, baselineUsd });
    expect(spike.summary).toContain(wording);
    expect(spike.facts.find((fact) => fact.label === "Increase")!.value).toBe(`$${(amountUsd - baselineUsd).toFixed(2)}`);
  });

  it("report: rejects a table row with the wrong number of cells, naming it", () => {
    expect(() =>
      renderReport({ type: "daily_report", title: "t", summary: "s", sections: [{ heading: "h", table: { columns: ["a", "b"], rows: [["1", "2"], ["3"]] } }] }),
    ).toThrow("sections[0].table.rows[1] has 1 cells, expected 2 (one per column)");
  });
});

describe("text tables", () => {
  it("aligns columns and right-aligns amount columns", () => {
    expect(formatTextTable({ columns: ["Service", "Cost"], rows: [["Droplets", "$1,204.00"], ["Spaces", "$5.00"]] })).toEqual([
      "Service        Cost",
      "--------  ---------",
      "Droplets  $1,204.00",
      "Spaces        $5.00",
    ]);
  });
});

describe("Slack rendering", () => {
  it("renders header, escaped mrkdwn and a context link, passing the Block Kit shape check", () => {
    const slack = renderSlack(threshold);
    expect(slackShapeProblems(slack)).toEqual([]);
    expect(slack.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: threshold.title } });
    expect(slack.blocks.at(-1)).toEqual({ type: "context", elements: [{ type: "mrkdwn", text: "<https://dash.example.com/?a=1&amp;b=2|Open the cost dashboard>" }] });
    expect(slack.text).toBe(`${threshold.title}: ${threshold.summary}`);
  });

  it("keeps a huge report within Slack's limits: 150-char header, 3000-char sections, 50 blocks", () => {
    const rows = Array.from({ length: 400 }, (_, i) => [`droplet-${i}-${"x".repeat(20)}`, `$${i}.00`]);
    const report = renderReport({
      type: "weekly_report",
      title: "W".repeat(400),
      summary: "<b>escaped</b> & kept",
      sections: Array.from({ length: 30 }, (_, s) => ({ heading: `Project ${s}`, table: { columns: ["Resource", "Cost"], rows } })),
    });
    const slack = renderSlack(report);
    expect(slackShapeProblems(slack)).toEqual([]);
    expect(slack.blocks).toHaveLength(SLACK_MAX_BLOCKS);
    expect((slack.blocks[0] as { text: { text: string } }).text.text).toHaveLength(150);
    expect((slack.blocks[1] as { text: { text: string } }).text.text).toBe("&lt;b&gt;escaped&lt;/b&gt; &amp; kept");
    // Block 48 (before the context) is the note saying how much was cut.
    expect((slack.blocks[48] as { text: { text: string } }).text.text).toMatch(/^_\d+ more blocks omitted/);
  });

  it("splits one long table over several code-block sections", () => {
    const rows = Array.from({ length: 200 }, (_, i) => [`resource-${String(i).padStart(3, "0")}`, `$${i}.00`]);
    const slack = renderSlack(renderReport({ type: "daily_report", title: "Daily", summary: "s", sections: [{ heading: "All", table: { columns: ["Resource", "Cost"], rows } }] }));
    expect(slackShapeProblems(slack)).toEqual([]);
    const codeSections = slack.blocks.filter((b) => b.type === "section" && b.text.text.startsWith("```"));
    expect(codeSections.length).toBeGreaterThan(1);
    // Every row appears exactly once across the chunks.
    const joined = codeSections.map((b) => (b as { text: { text: string } }).text.text).join("\n");
    expect(rows.every((row) => joined.split(row[0]!).length === 2)).toBe(true);
  });
});

describe("email rendering", () => {
  it("has matching text and HTML bodies, with HTML escaped", () => {
    const email = renderEmail(renderReport({
      type: "daily_report",
      title: "Daily <cost> report",
      summary: "Spend & forecast",
      sections: [{ heading: "By service", table: { columns: ["Service", "Cost"], rows: [["Droplets", "$12.00"]] } }],
      dashboardUrl: "https://dash.example.com/",
    }));
    expect(email.subject).toBe("Daily <cost> report");
    expect(email.text).toContain("By service\n----------\nService     Cost\n--------  ------\nDroplets  $12.00");
    expect(email.text).toContain("Open the cost dashboard: https://dash.example.com/");
    expect(email.html).toContain("<h1>Daily &lt;cost&gt; report</h1>");
    expect(email.html).toContain("<td>Droplets</td><td>$12.00</td>");
    expect(email.html).toContain('<a href="https://dash.example.com/">');
  });
});

describe("webhook rendering", () => {
  it("puts type, title, summary, link and the raw figures at the top level", () => {
    expect(renderWebhook(threshold)).toEqual({
      type: "threshold_crossed",
      title: threshold.title,
      summary: threshold.summary,
      link: "https://dash.example.com/?a=1&b=2",
      billingMonth: "2026-11",
      thresholdUsd: 150,
      monthToDateUsd: 152.4,
      budgetUsd: 300,
    });
  });
});
